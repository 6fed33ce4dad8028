// Progressive enhancement only: mark the paragraph a #p12 link lands on with the
// `cited` class (the page works without this; :target styles it already).
(function () {
  function cite() {
    var id = decodeURIComponent(location.hash.slice(1));
    if (!/^p\d+$/.test(id)) return;
    var target = document.getElementById(id);
    if (!target) return;
    var old = document.querySelectorAll("p.para.cited");
    for (var i = 0; i < old.length; i++) if (old[i] !== target) old[i].classList.remove("cited");
    target.classList.add("cited");
  }
  window.addEventListener("hashchange", cite);
  document.addEventListener("DOMContentLoaded", cite);
})();
