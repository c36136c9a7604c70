/* gis_planner comparison map: draws the compounds of a scenario comparison from the JSON block
 * #gp-compare, coloured by how their coverage of the chosen category changed from run A to B.
 *
 * This file is static: it is shipped with the package and never generated. Text from the data
 * (names, ids, titles, labels) reaches the page only through textContent.
 */
(function () {
  "use strict";

  var el = window.gpDom.el, fill = window.gpDom.fill, table = window.gpDom.table;

  function start() {
    var node = document.getElementById("gp-compare");
    if (!node || !window.L) { return; }
    var D = JSON.parse(node.textContent);
    var map = window[D.map];
    if (!map || !(map instanceof L.Map)) { return; }
    var U = D.ui, S = D.coord_scale, C = D.compounds;
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

    var byId = {}, byCode = {};
    D.categories.forEach(function (c) { byId[c.id] = c; });
    D.classes.forEach(function (k) { byCode[k.code] = k; });
    var current = byId[D.category] || D.categories[0];
    var wanted = /(?:^#|&)category=([^&]*)/.exec(window.location.hash || "");
    if (wanted) {  // map.html#category=<id> opens on that category
      try { wanted = decodeURIComponent(wanted[1]); } catch (e) { wanted = null; }
      if (wanted && byId[wanted]) { current = byId[wanted]; }
    }

    // ---- page layout: the map and a side panel
    document.body.classList.add("gp-page");
    container.classList.add("gp-map");
    container.classList.add("gp-blank");
    var side = el("aside", "gp-side");
    side.setAttribute("id", "gp-side");
    container.parentNode.insertBefore(side, container.nextSibling);
    if (D.title) { document.title = D.title; }
    side.appendChild(el("h1", "gp-title", D.title));

    var pick = el("label", "gp-pick");
    pick.appendChild(el("span", null, U.category));
    var select = el("select");
    select.setAttribute("id", "gp-category");
    D.categories.forEach(function (c) {
      var o = el("option", null, c.label);
      o.value = c.id;
      if (c.id === current.id) { o.selected = true; }
      select.appendChild(o);
    });
    pick.appendChild(select);
    side.appendChild(pick);
    var info = el("div", "gp-info");
    info.setAttribute("id", "gp-counts");
    side.appendChild(info);

    var legend = el("section", "gp-legend");
    legend.appendChild(el("h2", null, U.legend));
    D.classes.forEach(function (k) {
      var row = el("div", "gp-row");
      var sw = el("i", "gp-sw");
      sw.style.background = k.colour;
      row.appendChild(sw);
      row.appendChild(el("span", null, U[k.key]));
      legend.appendChild(row);
    });
    side.appendChild(legend);

    // ---- sub-district boundaries and their names (shown with textContent)
    if (D.subdistricts) {
      var SD = D.subdistricts;
      SD.geom.forEach(function (g, i) {
        if (!g.length) { return; }
        L.polygon(g.map(polygon), {renderer: canvas, color: "#252525", weight: 2.2,
                                   dashArray: "10 4 2 4", fill: false, interactive: false})
          .addTo(map);
        var span = el("span", null, SD.name[i]);
        L.marker([SD.label_xy[2 * i + 1] / S, SD.label_xy[2 * i] / S], {
          icon: L.divIcon({html: span, className: "gp-lbl gp-lbl-sub", iconSize: null}),
          interactive: false, keyboard: false}).addTo(map);
      });
      var row = el("div", "gp-row");
      row.appendChild(el("i", "gp-k-sub"));
      row.appendChild(el("span", null, U.subdistricts));
      legend.appendChild(row);
    }

    // ---- compounds
    function code(i) { return C.change[current.id].charAt(i); }
    function style(i) {
      var k = byCode[code(i)];
      return {renderer: canvas, color: "#555", weight: 0.6, fillColor: k.colour,
              fillOpacity: 0.85};
    }
    function popup(i) {
      return table([[U.id, C.id[i]], [U.name, C.name[i]], [U.households, C.households[i]],
                    [U.category, current.label], [U.change, U[byCode[code(i)].key]]]);
    }
    var shapes = [];
    var n = C.id.length;
    for (var i = 0; i < n; i++) {
      var shape;
      if (C.geom) {
        shape = L.polygon(C.geom[i].map(polygon), style(i));
      } else {
        shape = L.circleMarker([C.xy[2 * i + 1] / S, C.xy[2 * i] / S],
                               L.extend({radius: 5}, style(i)));
      }
      shape.bindPopup((function (j) { return function () { return popup(j); }; })(i));
      shape.addTo(map);
      shapes.push(shape);
    }

    function setCategory(id) {
      if (!byId[id]) { return; }
      current = byId[id];
      for (var j = 0; j < shapes.length; j++) { shapes[j].setStyle(style(j)); }
      info.textContent = fill(U.counts, {g: current.gained, gh: current.gained_households,
                                         l: current.lost, lh: current.lost_households});
      var counts = {};
      D.classes.forEach(function (k) { counts[k.code] = 0; });
      for (var q = 0; q < shapes.length; q++) { counts[code(q)] += 1; }
      container.setAttribute("data-gp-category", current.id);
      container.setAttribute("data-gp-changes",
                             D.classes.map(function (k) { return counts[k.code]; }).join(","));
    }
    select.addEventListener("change", function () { setCategory(select.value); });
    setCategory(current.id);

    map.invalidateSize(false);
    map.options.zoomSnap = 0.25;
    var b = D.bounds;
    if (b[0] !== b[2] || b[1] !== b[3]) {
      map.fitBounds([[b[0], b[1]], [b[2], b[3]]], {padding: [10, 10], animate: false});
    }
    L.control.scale({metric: true, imperial: false, maxWidth: 160, position: "bottomleft"})
      .addTo(map);
    container.setAttribute("data-gp-compounds", String(shapes.length));
    window.gpDom.done(container);  // data-gp-ready now, data-gp-rendered after the frame
    window.gpCompareMap = {map: map, setCategory: setCategory};
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
