/* gis_planner maps: the DOM helpers the plan and comparison renderers share (window.gpDom).
 *
 * This file is static: it is shipped with the package and never generated. Text reaches the
 * page only through textContent.
 */
(function () {
  "use strict";

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }

  function fill(template, values) {  // "{a} and {b}" with values; the template is ours
    return String(template).replace(/\{(\w+)\}/g, function (m, k) {
      return Object.prototype.hasOwnProperty.call(values, k) ? String(values[k]) : m;
    });
  }

  function table(rows) {  // a two-column popup table: [[label, value], ...]
    var tb = el("table", "gp-pop");
    rows.forEach(function (r) {
      var tr = el("tr");
      tr.appendChild(el("th", null, r[0]));
      tr.appendChild(el("td", null, r[1]));
      tb.appendChild(tr);
    });
    return tb;
  }

  // Markers for tests and screenshots, on the map container and on <html>:
  // data-gp-ready when the script has drawn everything into the map (set at once, so a page
  // captured after its load event always carries it), data-gp-rendered after the next
  // animation frame, when the canvas has painted (a frame may come later than a capture).
  function done(container) {
    [container, document.documentElement].forEach(function (n) {
      n.setAttribute("data-gp-ready", "1");
    });
    window.L.Util.requestAnimFrame(function () {
      [container, document.documentElement].forEach(function (n) {
        n.setAttribute("data-gp-rendered", "1");
      });
    });
  }

  window.gpDom = {el: el, fill: fill, table: table, done: done};
})();
