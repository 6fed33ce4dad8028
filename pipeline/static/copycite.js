// The search page's 复制引文 buttons: copy the hit's GB/T 7714 reference (its data-cite) to the
// clipboard. Progressive enhancement: the buttons stay hidden without JavaScript, and the
// reference is also each button's title.
(function () {
  function copied(button) {
    button.textContent = "已复制";
    setTimeout(function () { button.textContent = "复制引文"; }, 1500);
  }
  function fallback(button, text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    try { if (document.execCommand("copy")) copied(button); } catch (e) { /* nothing to copy with */ }
    document.body.removeChild(area);
  }
  function copy(button) {
    var text = button.getAttribute("data-cite");
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { copied(button); }, function () { fallback(button, text); });
    } else {
      fallback(button, text);
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    var buttons = document.querySelectorAll("button.copy-cite");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].hidden = false;
      buttons[i].addEventListener("click", function (event) { copy(event.currentTarget); });
    }
  });
})();
