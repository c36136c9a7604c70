/* gis_planner plan map: draws the layers of a plan from the JSON block #gp-data.
 *
 * This file is static: it is shipped with the package and never generated. Text from the data
 * (names, codes, titles, labels) reaches the page only through textContent; where a Leaflet API
 * takes an HTML string (layer-control names, attribution) the text is escaped first.
 */
(function () {
  "use strict";

  var el = window.gpDom.el, fill = window.gpDom.fill, table = window.gpDom.table;
  // closest zoom a fit may reach: a boundary or a study area of one point (a sliver rounded to a
  // point) would otherwise zoom without end on a map with no tile layer
  var MAX_FIT_ZOOM = 18;

  function esc(text) {  // for the few Leaflet options that are HTML strings
    var d = document.createElement("div");
    d.textContent = String(text);
    return d.innerHTML;
  }

  function fmt(x, digits) {
    var s = Number(x).toFixed(digits === undefined ? 1 : digits);
    return s.indexOf(".") >= 0 ? s.replace(/\.?0+$/, "") : s;
  }

  // a facility symbol: a square drawn by the canvas renderer
  var Square = L.CircleMarker.extend({
    _updatePath: function () {
      var r = this._renderer;
      if (!(r instanceof L.Canvas)) { r._updateCircle(this); return; }
      if (!r._drawing || this._empty()) { return; }
      var p = this._point, ctx = r._ctx, s = Math.max(Math.round(this._radius), 1);
      ctx.beginPath();
      ctx.rect(p.x - s, p.y - s, 2 * s, 2 * s);
      r._fillStroke(ctx, this);
    }
  });

  function start() {
    var node = document.getElementById("gp-data");
    if (!node || !window.L) { return; }
    var D = JSON.parse(node.textContent);
    var map = window[D.map];
    if (!map || !(map instanceof L.Map)) { return; }
    var U = D.ui, S = D.coord_scale;
    var container = map.getContainer();
    var canvas = L.canvas({padding: 0.5, tolerance: 4});

    function line(a) {
      var x = a[0], y = a[1], out = [[y / S, x / S]];
      for (var i = 2; i < a.length; i += 2) {
        x += a[i]; y += a[i + 1];
        out.push([y / S, x / S]);
      }
      return out;
    }
    function polygon(p) { return p.map(line); }
    function pt(xy, i) { return [xy[2 * i + 1] / S, xy[2 * i] / S]; }

    var cats = D.categories, byId = {};
    cats.forEach(function (c) { byId[c.id] = c; });
    var groupColour = {};
    D.groups.forEach(function (g) { groupColour[g.id] = g.colour; });
    var overlays = [];

    // ---- page layout: the map, and a side panel holding title, selector, legend, layers
    document.body.classList.add("gp-page");
    container.classList.add("gp-map");
    if (!D.tiles || D.tiles.local) { container.classList.add("gp-blank"); }
    var side = el("aside", "gp-side");
    side.setAttribute("id", "gp-side");
    container.parentNode.insertBefore(side, container.nextSibling);
    if (D.title) { document.title = D.title; }
    side.appendChild(el("h1", "gp-title", D.title));
    if (D.speed_kmh) {
      side.appendChild(el("div", "gp-sub", fill(U.speed, {speed: fmt(D.speed_kmh)})));
    }

    // ---- base map
    if (D.tiles && D.tiles.local) {
      var T = D.tiles;
      var Local = L.GridLayer.extend({
        createTile: function (c) {
          var src = T.local[c.z + "/" + c.x + "/" + c.y];
          if (typeof src !== "string" || src.indexOf("data:image/") !== 0) {
            return el("div", "gp-tile");  // outside the embedded area: left blank
          }
          var img = el("img", "gp-tile");
          img.alt = "";
          img.src = src;
          return img;
        }
      });
      new Local({maxNativeZoom: T.max_native_zoom, minNativeZoom: T.min_zoom,
                 maxZoom: T.max_zoom, tileSize: 256}).addTo(map);
    } else if (D.tiles) {
      L.tileLayer(D.tiles.url, {attribution: esc(D.tiles.attribution), maxZoom: D.tiles.max_zoom,
                                subdomains: D.tiles.subdomains, key: D.tiles.key}).addTo(map);
    }

    // ---- roads
    var roads = L.polyline(D.roads.map(line), {renderer: canvas, color: "#a3a3a3", weight: 1,
                                               opacity: 0.9, interactive: false});
    roads.addTo(map);
    overlays.push([U.map_roads, roads]);

    // ---- service areas (off by default)
    if (D.service_areas) {
      var sa = L.layerGroup(D.service_areas.geom.map(function (g) {
        return L.polygon(g.map(polygon), {renderer: canvas, color: "#4292c6", weight: 0.8,
                                          fillColor: "#9ecae1", fillOpacity: 0.3,
                                          interactive: false});
      }));
      overlays.push([D.service_areas.label, sa]);
    }

    // ---- boundaries and their labels
    var labels = L.layerGroup(), subLabels = [], comLabels = [], labelOrder = [];
    var hiddenBox = el("section", "gp-hidden");  // names hidden at this zoom (side panel)
    hiddenBox.setAttribute("id", "gp-hidden-labels");
    function spots(B, i) {  // where the name of boundary i may go, best first (see declutter)
      var x = B.label_xy[2 * i], y = B.label_xy[2 * i + 1], d = (B.label_dxy || [])[i] || [];
      var out = [[y / S, x / S]];
      for (var k = 0; k + 1 < d.length; k += 2) { out.push([(y + d[k + 1]) / S, (x + d[k]) / S]); }
      return out;
    }
    function boundaries(B, style, cls, popupRows) {
      var group = L.layerGroup();
      B.geom.forEach(function (g, i) {
        if (!g.length) { return; }
        var poly = L.polygon(g.map(polygon), L.extend({renderer: canvas, fill: true,
                                                       fillOpacity: 0}, style));
        poly.bindPopup(function () { return table(popupRows(i)); });
        group.addLayer(poly);
        var name = String(B.name[i] || "").trim() || B.code[i];  // a blank name: the code
        var span = el("span", null, name);
        var at = spots(B, i);
        var lbl = L.marker(at[0], {
          icon: L.divIcon({html: span, className: "gp-lbl " + cls, iconSize: null}),
          interactive: false, keyboard: false});
        labels.addLayer(lbl);
        (cls === "gp-lbl-sub" ? subLabels : comLabels).push({marker: lbl, spots: at, poly: poly,
                                                              name: name});
      });
      return group;
    }
    if (D.communities) {
      var CM = D.communities;
      var com = boundaries(CM, {color: "#4d4d4d", weight: 1.2, dashArray: "4 3"}, "gp-lbl-com",
        function (i) {
          var rows = [[U.name, CM.name[i]], [U.code, CM.code[i]]];
          if (CM.status) { rows.push([U.status, CM.status[i]]); }
          return rows;
        });
      com.addTo(map);
      overlays.push([U.communities, com]);
    }
    if (D.subdistricts) {
      var SD = D.subdistricts;
      var sub = boundaries(SD, {color: "#252525", weight: 2.6, dashArray: "10 4 2 4"},
                           "gp-lbl-sub",
                           function (i) { return [[U.name, SD.name[i]], [U.code, SD.code[i]]]; });
      sub.addTo(map);
      overlays.push([U.subdistricts, sub]);
    }

    labelOrder = subLabels.concat(comLabels);

    // ---- compounds: circles sized by households, coloured at the chosen category's limit
    var C = D.compounds, compounds = null, dots = [];
    var current = D.category && byId[D.category] ? byId[D.category] : null;
    var wanted = /(?:^#|&)category=([^&]*)/.exec(window.location.hash || "");
    if (wanted) {  // map.html#category=<id> opens on that category
      try { wanted = decodeURIComponent(wanted[1]); } catch (e) { wanted = null; }
      if (wanted && byId[wanted] && byId[wanted].limit_min !== undefined) {
        current = byId[wanted];
      }
    }
    function klass(i, c) {
      // -1: off the network; beyond the search range counts as "far" when the range
      // reaches past the far class's bound, else as "not covered"
      if (C.snapped.charAt(i) !== "1" || !C.minutes[c.id]) { return -1; }
      var m = C.minutes[c.id][i];
      if (m === null || m === undefined) {
        return D.search_cap_min >= c.limit_min * D.classes[2].share ? 3 : 2;
      }
      var covered = C.covered[c.id].charAt(i) === "1", r = m / c.limit_min;
      if (covered) { return r <= D.classes[0].share ? 0 : 1; }
      return r <= D.classes[2].share ? 2 : 3;
    }
    function compoundStyle(i) {
      var k = current ? klass(i, current) : -1;
      if (k < 0) {
        return {color: "#636363", weight: 1.2, fillColor: "#ffffff", fillOpacity: 0.6};
      }
      return {color: "#ffffff", weight: 0.8, fillColor: D.classes[k].colour, fillOpacity: 0.92};
    }
    if (C) {
      compounds = L.layerGroup();
      C.households.forEach(function (n, i) {
        var r = Math.min(14, Math.max(3, 2 + Math.sqrt(Math.max(n, 0)) / 6));
        var dot = L.circleMarker(pt(C.xy, i), L.extend({renderer: canvas, radius: r},
                                                        compoundStyle(i)));
        dot.bindPopup(function () {
          var rows = [[U.name, C.name[i]], ["id", C.id[i]],
                      [U.households, Number(n).toLocaleString()]];
          if (current) {
            var m = C.minutes[current.id] ? C.minutes[current.id][i] : null;
            var off = C.snapped.charAt(i) !== "1";
            rows.push([current.label + " – " + U.map_minutes,
                       off ? fill(U.off_network, {metres: fmt(D.snap_tolerance_m, 0)}) :
                         (m === null || m === undefined ?
                          fill(U.beyond, {minutes: fmt(D.search_cap_min)}) : fmt(m))]);
            rows.push([U.covered + " (≤ " + fmt(current.limit_min) + " min)",
                       C.covered[current.id] && C.covered[current.id].charAt(i) === "1" ?
                         U.yes : U.no]);
          }
          if (C.completeness[i] !== null) {
            rows.push([U.completeness, Math.round(100 * C.completeness[i]) + "%"]);
          }
          return table(rows);
        });
        dots.push(dot);
        compounds.addLayer(dot);
      });
    }

    // ---- facilities: squares by group; the chosen category's outlined and larger
    var F = D.facilities, facilities = L.layerGroup(), squares = [];
    function facilityStyle(i) {
      var c = cats[F.category[i]], colour = groupColour[c.group] || D.other_colour;
      var chosen = current && c.id === current.id;
      if (F.snapped.charAt(i) !== "1") {  // hollow: not on the network, not in the analysis
        return {radius: chosen ? 5 : 3, color: colour, weight: chosen ? 2 : 1.2,
                fillColor: "#ffffff", fillOpacity: 0.9, opacity: 1};
      }
      if (chosen) {
        return {radius: 5, color: "#000000", weight: 1.6, fillColor: colour, fillOpacity: 1,
                opacity: 1};
      }
      return {radius: 3, color: "#ffffff", weight: 0.8, fillColor: colour, fillOpacity: 0.75,
              opacity: 0.9};
    }
    F.category.forEach(function (ci, i) {
      var sq = new Square(pt(F.xy, i), L.extend({renderer: canvas}, facilityStyle(i)));
      sq.bindPopup(function () {
        var rows = [[U.name, F.name[i]], ["id", F.id[i]], [U.category, cats[ci].label]];
        if (F.snapped.charAt(i) !== "1") {
          rows.push(["", fill(U.not_used, {metres: fmt(D.snap_tolerance_m, 0)})]);
        }
        return table(rows);
      });
      squares.push(sq);
      facilities.addLayer(sq);
    });

    // draw order: compounds under facilities, chosen category's facilities on top
    if (compounds) {
      compounds.addTo(map);
      overlays.push([U.compounds, compounds]);
    }
    facilities.addTo(map);
    overlays.push([U.map_facilities, facilities]);
    function raiseChosen() {
      squares.forEach(function (sq, i) {
        if (current && cats[F.category[i]].id === current.id) { sq.bringToFront(); }
      });
    }

    // ---- proposed sites
    if (D.sites) {
      var P = D.sites, sites = L.layerGroup();
      P.id.forEach(function (id, i) {
        var star = L.marker(pt(P.xy, i), {icon: L.divIcon({html: "★", className: "gp-site",
                                                             iconSize: [24, 24],
                                                             iconAnchor: [12, 12]}),
                                          keyboard: false});
        star.bindPopup(function () {
          return table([[U.site, id], [U.name, P.name[i]], [U.category, P.category[i]],
                        [U.reason, P.reason[i]]]);
        }, {maxWidth: 360});
        sites.addLayer(star);
      });
      sites.addTo(map);
      overlays.push([U.map_sites, sites]);
    }
    if (D.communities || D.subdistricts) {
      labels.addTo(map);
      overlays.push([U.labels, labels]);
    }

    // ---- the plan's extra layers (elderly care, neighbourhood centres, grids): one colour
    // and one popup per feature, all text set with textContent through table()
    var extraLegends = [];
    (D.plan_layers || []).forEach(function (X) {
      var group = L.layerGroup();
      function popup(i) { return function () { return table(X.popup[i] || []); }; }
      if (X.kind === "point") {
        for (var i = 0; i < X.colour.length; i++) {
          var m = L.circleMarker(pt(X.xy, i), {renderer: canvas, radius: 7, color: "#222",
                                               weight: 1.5, fillColor: X.colour[i], fillOpacity: 0.95});
          m.bindPopup(popup(i), {maxWidth: 360});
          group.addLayer(m);
        }
      } else {
        X.geom.forEach(function (g, i) {
          if (!g.length) { return; }
          var outline = X.kind === "outline";
          var poly = L.polygon(g.map(polygon), {renderer: canvas, color: X.colour[i],
                                            weight: outline ? 2 : 0.8,
                                            fill: true, fillColor: X.colour[i],
                                            fillOpacity: outline ? 0.04 : 0.45});
          poly.bindPopup(popup(i), {maxWidth: 360});
          group.addLayer(poly);
        });
      }
      if (X.show) { group.addTo(map); }
      overlays.push([X.name, group]);
      extraLegends.push(X);
    });

    // ---- side panel: category selector
    var info = el("div", "gp-info");
    if (C) {
      var pick = el("label", "gp-pick");
      pick.appendChild(el("span", null, U.category));
      var select = el("select");
      select.setAttribute("id", "gp-category");
      var byGroup = {}, order = [];
      cats.forEach(function (c) {
        if (c.limit_min === undefined) { return; }
        var g = c.group || "";
        if (!byGroup[g]) { byGroup[g] = []; order.push(g); }
        byGroup[g].push(c);
      });
      var groupLabel = {};
      D.groups.forEach(function (g) { groupLabel[g.id] = g.label; });
      order.forEach(function (g) {
        var og = el("optgroup");
        og.label = groupLabel[g] || U.other;
        byGroup[g].forEach(function (c) {
          var o = el("option", null, c.label);
          o.value = c.id;
          if (current && current.id === c.id) { o.selected = true; }
          og.appendChild(o);
        });
        select.appendChild(og);
      });
      select.addEventListener("change", function () { setCategory(select.value); });
      pick.appendChild(select);
      side.appendChild(pick);
      side.appendChild(info);
    }

    // ---- side panel: legend
    var legend = el("section", "gp-legend");
    legend.setAttribute("id", "gp-legend");
    legend.appendChild(el("h2", null, U.map_legend));
    var classBox = el("div");
    legend.appendChild(classBox);
    function row(parent, swatch, text) {
      var r = el("div", "gp-row");
      r.appendChild(swatch);
      r.appendChild(el("span", null, text));
      parent.appendChild(r);
      return r;
    }
    function swatch(kind, colour, border) {
      var s = el("i", "gp-sw gp-k-" + kind);
      if (colour) { s.style.background = colour; }
      if (border) { s.style.borderColor = border; }
      return s;
    }
    function drawClasses() {
      classBox.textContent = "";
      if (!C || !current) { return; }
      classBox.appendChild(el("h3", null, U.compounds));
      var L0 = current.limit_min;
      row(classBox, swatch("dot", D.classes[0].colour),
          fill(U.cls_covered, {a: 0, b: fmt(L0 * D.classes[0].share)}));
      row(classBox, swatch("dot", D.classes[1].colour),
          fill(U.cls_covered, {a: fmt(L0 * D.classes[0].share), b: fmt(L0)}));
      row(classBox, swatch("dot", D.classes[2].colour),
          fill(U.cls_not, {a: fmt(L0), b: fmt(L0 * D.classes[2].share)}));
      row(classBox, swatch("dot", D.classes[3].colour),
          fill(U.cls_far, {a: fmt(L0 * D.classes[2].share)}));
      row(classBox, swatch("dot", "#ffffff", "#636363"),
          fill(U.off_network, {metres: fmt(D.snap_tolerance_m, 0)}));
    }
    var groupsPresent = {};
    F.category.forEach(function (ci) { groupsPresent[cats[ci].group || ""] = true; });
    var facBox = el("div");
    facBox.appendChild(el("h3", null, U.facilities));
    D.groups.forEach(function (g) {
      if (groupsPresent[g.id]) { row(facBox, swatch("sq", g.colour), g.label); }
    });
    if (groupsPresent[""]) { row(facBox, swatch("sq", D.other_colour), U.other); }
    if (F.snapped.indexOf("0") >= 0 && D.snap_tolerance_m) {
      row(facBox, swatch("sq", "#ffffff", "#555555"),
          fill(U.fac_off, {metres: fmt(D.snap_tolerance_m, 0)}));
    }
    legend.appendChild(facBox);
    var other = el("div");
    if (D.sites) { row(other, el("i", "gp-sw gp-star", "★"), U.map_sites); }
    if (D.subdistricts) { row(other, swatch("sub"), U.subdistricts); }
    if (D.communities) { row(other, swatch("com"), U.communities); }
    row(other, swatch("road"), U.map_roads);
    if (D.service_areas) { row(other, swatch("area"), D.service_areas.label); }
    legend.appendChild(other);
    extraLegends.forEach(function (X) {
      var box = el("div");
      box.appendChild(el("h3", null, X.name));
      X.legend.forEach(function (r) {
        row(box, swatch(X.kind === "point" ? "dot" : (X.kind === "outline" ? "line" : "fill"),
                        X.kind === "outline" ? null : r[0], X.kind === "outline" ? r[0] : null), r[1]);
      });
      legend.appendChild(box);
    });
    side.appendChild(hiddenBox);
    side.appendChild(legend);

    // ---- side panel: layers (Leaflet's control, moved out of the map)
    var layersBox = el("section", "gp-layers");
    layersBox.appendChild(el("h2", null, U.layers));
    var control = L.control.layers(null, null, {collapsed: false});
    overlays.forEach(function (o) { control.addOverlay(o[1], esc(o[0])); });
    control.addTo(map);
    layersBox.appendChild(control.getContainer());
    side.appendChild(layersBox);
    var attribution = !D.tiles ? U.no_basemap :
      (D.tiles.local ? fill(U.local_tiles, {name: D.tiles.source}) : D.tiles.attribution);
    if (attribution) { side.appendChild(el("div", "gp-foot", U.source + ": " + attribution)); }

    // ---- on the map: north arrow and a metric scale bar
    var North = L.Control.extend({
      onAdd: function () {
        var box = el("div", "gp-north leaflet-bar");
        box.setAttribute("title", U.north);
        box.appendChild(el("span", "gp-north-arrow", "▲"));
        box.appendChild(el("span", "gp-north-n", U.north));
        return box;
      }
    });
    new North({position: "topleft"}).addTo(map);
    L.control.scale({metric: true, imperial: false, maxWidth: 160, position: "bottomleft"})
      .addTo(map);

    function setCategory(id) {
      current = byId[id] || current;
      if (C) {
        var counts = [0, 0, 0, 0, 0];
        dots.forEach(function (dot, i) {
          dot.setStyle(compoundStyle(i));
          var k = current ? klass(i, current) : -1;
          counts[k < 0 ? 4 : k] += 1;
        });
        container.setAttribute("data-gp-classes", counts.join(","));
      }
      squares.forEach(function (sq, i) {
        var s = facilityStyle(i);
        sq.setRadius(s.radius);
        sq.setStyle(s);
      });
      raiseChosen();
      if (current) {
        info.textContent = "";
        info.appendChild(el("div", null, fill(U.limit, {minutes: fmt(current.limit_min),
                                                         metres: Math.round(current.limit_m)})));
        if (current.share !== undefined) {
          info.appendChild(el("div", null, fill(U.covered_share,
                                                {share: fmt(100 * current.share) + "%"})));
        }
        container.setAttribute("data-gp-category", current.id);
      }
      drawClasses();
    }
    setCategory(current ? current.id : null);

    // ---- labels: sub-district names first, then communities. Each name goes to the first of
    // its spots (the representative point, then points inside its boundary, nearest first)
    // where it lies inside its boundary and touches no name already placed; failing that, to
    // the first spot where it touches none (it may cross its boundary); failing that, it is
    // hidden at this zoom and listed in the side panel, where a click zooms to its boundary.
    function touches(a, b) {
      return a.left < b.right + 2 && b.left < a.right + 2 &&
             a.top < b.bottom + 1 && b.top < a.bottom + 1;
    }
    function screenRings(poly) {  // every ring of a polygon, in container pixels
      var out = [];
      (function walk(x) {
        if (x.length && x[0] instanceof L.LatLng) {
          out.push(x.map(function (ll) { return map.latLngToContainerPoint(ll); }));
        } else { x.forEach(walk); }
      }(poly.getLatLngs()));
      return out;
    }
    function inside(rings, x, y) {  // even-odd rule over all rings (holes, several parts)
      var odd = false;
      rings.forEach(function (r) {
        for (var i = 0, j = r.length - 1; i < r.length; j = i++) {
          if ((r[i].y > y) !== (r[j].y > y) &&
              x < (r[j].x - r[i].x) * (y - r[i].y) / (r[j].y - r[i].y) + r[i].x) { odd = !odd; }
        }
      });
      return odd;
    }
    function boxInside(rings, b) {
      return inside(rings, b.left, b.top) && inside(rings, b.right, b.top) &&
             inside(rings, b.left, b.bottom) && inside(rings, b.right, b.bottom);
    }
    function fitLabel(o, width, height, placed) {  // {spot, box} or null; sizes in pixels
      var rings = screenRings(o.poly), loose = null;
      for (var k = 0; k < o.spots.length; k++) {
        var p = map.latLngToContainerPoint(o.spots[k]);
        var box = {left: p.x - width / 2, right: p.x + width / 2,
                   top: p.y - height / 2, bottom: p.y + height / 2};
        if (placed.some(function (q) { return touches(box, q); })) { continue; }
        if (boxInside(rings, box)) { return {spot: o.spots[k], box: box}; }
        if (!loose) { loose = {spot: o.spots[k], box: box}; }
      }
      return loose;
    }
    function listHidden(hidden) {
      hiddenBox.textContent = "";
      hiddenBox.style.display = hidden.length ? "" : "none";
      if (!hidden.length) { return; }
      hiddenBox.appendChild(el("div", "gp-hidden-head", fill(U.hidden_labels, {n: hidden.length})));
      hidden.forEach(function (o) {
        var b = el("button", "gp-hidden-name", o.name);
        b.type = "button";
        b.addEventListener("click", function () {
          map.fitBounds(o.poly.getBounds(), {padding: [40, 40], maxZoom: MAX_FIT_ZOOM, animate: false});
          o.poly.openPopup();
        });
        hiddenBox.appendChild(b);
      });
    }
    function declutter() {
      var live = labelOrder.filter(function (o) {
        var e = o.marker.getElement();
        return e && e.firstChild;
      });
      live.forEach(function (o) { o.marker.getElement().style.visibility = "visible"; });
      var sizes = live.map(function (o) {  // measured once per pass: the font does not zoom
        var r = o.marker.getElement().firstChild.getBoundingClientRect();
        return [r.width, r.height];
      });
      var placed = [], hidden = [];
      live.forEach(function (o, j) {
        var fit = fitLabel(o, sizes[j][0], sizes[j][1], placed);
        if (fit) {
          o.marker.setLatLng(fit.spot);
          placed.push(fit.box);
        } else {
          o.marker.getElement().style.visibility = "hidden";
          hidden.push(o);
        }
      });
      listHidden(hidden);
      container.setAttribute("data-gp-labels", placed.length + "," + hidden.length);
    }
    map.on("zoomend", declutter);
    map.on("overlayadd overlayremove", function (e) { if (e.layer === labels) { declutter(); } });

    map.invalidateSize(false);
    map.options.zoomSnap = 0.25;
    var b = D.bounds;
    map.fitBounds([[b[0], b[1]], [b[2], b[3]]],
                  {paddingTopLeft: [56, 16], paddingBottomRight: [16, 40], maxZoom: MAX_FIT_ZOOM,
                   animate: false});
    declutter();
    container.setAttribute("data-gp-compounds", String(dots.length));
    container.setAttribute("data-gp-facilities", String(squares.length));
    window.gpDom.done(container);  // data-gp-ready now, data-gp-rendered after the frame
    window.gpPlanMap = {map: map, setCategory: setCategory};
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
