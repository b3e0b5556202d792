/* Result page, progressively enhanced (every part works without this file):
 * - face close-up: a wipe between before and after driven by a range input
 * - faces of the variants: a dialog with previous / next instead of a link to each close-up
 * - journey: Play / Pause by swapping the animation for its still first frame
 */
(function () {
  "use strict";
  document.documentElement.classList.add("has-js");

  function $(id) { return document.getElementById(id); }

  function setupWipe() {
    var wipe = $("face-wipe");
    var slider = $("face-wipe-slider");
    var after = $("face-wipe-after-image");
    if (!wipe || !slider || !after) { return; }
    wipe.classList.add("is-live");
    // The stylesheet's clip-path reads --wipe (a custom property set through the CSSOM, which
    // the Content-Security-Policy allows, unlike a style attribute).
    var update = function () { wipe.style.setProperty("--wipe", slider.value + "%"); };
    slider.addEventListener("input", update);
    update();
    var buttons = document.querySelectorAll(".wipe-variant");
    buttons.forEach(function (button) {
      button.addEventListener("click", function () {
        after.src = button.dataset.crop;
        after.alt = button.dataset.alt;
        buttons.forEach(function (other) {
          other.setAttribute("aria-pressed", other === button ? "true" : "false");
        });
      });
    });
  }

  function setupFaceDialog() {
    var dialog = $("face-dialog");
    var links = Array.prototype.slice.call(document.querySelectorAll("a.face-zoom"));
    if (!dialog || !links.length || typeof dialog.showModal !== "function") { return; }
    var image = $("face-dialog-image");
    var caption = $("face-dialog-caption");
    var previous = $("face-dialog-previous");
    var next = $("face-dialog-next");
    var current = 0;
    var opener = null;

    function show(index) {
      current = (index + links.length) % links.length;
      var link = links[current];
      image.src = link.href;
      image.alt = link.querySelector("img").alt.replace(/, enlarge$/, "");
      caption.textContent = link.dataset.caption + " (" + (current + 1) + " of " + links.length + ")";
    }

    var single = links.length < 2;
    previous.hidden = single;
    next.hidden = single;
    links.forEach(function (link, index) {
      // A link opens on click and on Enter alike.
      link.addEventListener("click", function (event) {
        event.preventDefault();
        opener = link;
        show(index);
        dialog.showModal();
      });
    });
    previous.addEventListener("click", function () { show(current - 1); });
    next.addEventListener("click", function () { show(current + 1); });
    $("face-dialog-close").addEventListener("click", function () { dialog.close(); });
    dialog.addEventListener("keydown", function (event) {
      if (event.key === "ArrowLeft") { event.preventDefault(); show(current - 1); }
      if (event.key === "ArrowRight") { event.preventDefault(); show(current + 1); }
    });
    // A click on the backdrop (the dialog itself, outside its content) closes it too.
    dialog.addEventListener("click", function (event) {
      if (event.target === dialog) { dialog.close(); }
    });
    // Escape closes a modal dialog natively; every way out returns focus to the variant shown.
    dialog.addEventListener("close", function () {
      var back = links[current] || opener;
      if (back) { back.focus(); }
    });
  }

  function setupJourney() {
    var player = $("journey-player");
    var toggle = $("journey-toggle");
    var image = $("journey-animation");
    var source = $("journey-still-source");
    if (!player || !toggle || !image) { return; }
    var reduced = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    var playing = !reduced;

    function render() {
      var url = playing ? player.dataset.animated : player.dataset.still;
      if (source) { source.srcset = url; }
      image.src = url;
      toggle.textContent = playing ? "Pause" : "Play";
      toggle.setAttribute("aria-label", playing ? "Pause the journey" : "Play the journey");
    }

    toggle.addEventListener("click", function () { playing = !playing; render(); });
    render();
  }

  setupWipe();
  setupFaceDialog();
  setupJourney();
})();
