// Responsive lists: copy each column heading of a <table class="cardlist"> into its cells' data-label, so that on a
// phone (crm.css, max-width 600px) every row reads as a card with labelled fields. Runs on load and on every
// htmx swap (rows loaded by "加载更多" or search-as-you-type). No inline script (CSP).
(function () {
  function label(root) {
    var tables = (root.matches && root.matches("table.cardlist")) ? [root] : root.querySelectorAll ? root.querySelectorAll("table.cardlist") : [];
    if (!tables.length && root.closest) { var t = root.closest("table.cardlist"); if (t) tables = [t]; }
    Array.prototype.forEach.call(tables, function (table) {
      var heads = [];
      var row = table.tHead && table.tHead.rows[0];
      if (!row) return;
      Array.prototype.forEach.call(row.cells, function (th) {
        for (var i = 0; i < (th.colSpan || 1); i++) heads.push(th.textContent.trim());
      });
      Array.prototype.forEach.call(table.tBodies, function (body) {
        Array.prototype.forEach.call(body.rows, function (tr) {
          var col = 0;
          Array.prototype.forEach.call(tr.cells, function (td) {
            if (!td.hasAttribute("data-label") && td.colSpan === 1) td.setAttribute("data-label", heads[col] || "");
            col += td.colSpan || 1;
          });
        });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { label(document); });
  document.addEventListener("htmx:load", function (e) { label(e.target); });
})();
