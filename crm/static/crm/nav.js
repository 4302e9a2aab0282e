/* The desktop menu's groups are <details> dropdowns: they open and close with the mouse, Enter or Space without
   any script. This adds what a menu bar is expected to do: one group open at a time, a click elsewhere or Escape
   closes it (Escape gives the focus back to the group's title), and Down on a title opens it and moves to its
   first page. */
(function () {
  "use strict";
  function menus() { return Array.prototype.slice.call(document.querySelectorAll("details.nav-menu")); }
  function closeAll(except) { menus().forEach(function (m) { if (m !== except) { m.open = false; } }); }

  document.addEventListener("toggle", function (event) {
    var menu = event.target;
    if (menu.classList && menu.classList.contains("nav-menu") && menu.open) { closeAll(menu); }
  }, true);

  document.addEventListener("click", function (event) {
    if (!event.target.closest || !event.target.closest("details.nav-menu")) { closeAll(null); }
  });

  document.addEventListener("keydown", function (event) {
    var menu = event.target.closest ? event.target.closest("details.nav-menu") : null;
    if (!menu) { return; }
    var links = Array.prototype.slice.call(menu.querySelectorAll("ul a"));
    if (event.key === "Escape" && menu.open) {
      menu.open = false;
      menu.querySelector("summary").focus();
      event.preventDefault();
    } else if (event.key === "ArrowDown") {
      var at = links.indexOf(document.activeElement);
      if (!menu.open) { menu.open = true; }
      var next = links[Math.min(at + 1, links.length - 1)];
      if (next) { next.focus(); event.preventDefault(); }
    } else if (event.key === "ArrowUp" && menu.open) {
      var i = links.indexOf(document.activeElement);
      if (i > 0) { links[i - 1].focus(); } else { menu.querySelector("summary").focus(); }
      event.preventDefault();
    }
  });
})();
