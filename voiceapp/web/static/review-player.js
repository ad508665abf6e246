// The review player: play / pause, a seek bar and 1x / 1.5x / 2x for every recording on
// the page (calls/_macros.html "player"). Without this file the browser's own audio
// controls remain; with it they give way to these, which also carry the speed.

(function () {
  "use strict";
  function clock(seconds) {
    if (!isFinite(seconds) || seconds < 0) return "–";
    var whole = Math.floor(seconds);
    var rest = whole % 60;
    return Math.floor(whole / 60) + ":" + (rest < 10 ? "0" : "") + rest;
  }

  function setUp(box) {
    var audio = box.querySelector("audio");
    var controls = box.querySelector(".player-controls");
    if (!audio || !controls) return;
    var play = controls.querySelector(".player-play");
    var seek = controls.querySelector(".player-seek");
    var time = controls.querySelector(".player-time");
    var speeds = controls.querySelectorAll(".player-speed");
    var speed = 1;
    var seeking = false;

    function length() {
      return isFinite(audio.duration) && audio.duration > 0
        ? audio.duration
        : Number(seek.max) || 0;
    }

    function show() {
      if (!seeking) seek.value = String(audio.currentTime);
      seek.max = String(length());
      time.textContent = clock(audio.currentTime) + " / " + clock(length());
      play.textContent = audio.paused ? "Play" : "Pause";
    }

    audio.removeAttribute("controls");
    controls.hidden = false;

    play.addEventListener("click", function () {
      if (audio.paused) {
        audio.playbackRate = speed;
        audio.play();
      } else {
        audio.pause();
      }
    });
    seek.addEventListener("input", function () {
      seeking = true;
      time.textContent = clock(Number(seek.value)) + " / " + clock(length());
    });
    seek.addEventListener("change", function () {
      seeking = false;
      audio.currentTime = Number(seek.value);
      show();
    });
    speeds.forEach(function (button) {
      button.addEventListener("click", function () {
        speed = Number(button.dataset.speed);
        audio.playbackRate = speed;
        speeds.forEach(function (other) {
          other.setAttribute("aria-pressed", other === button ? "true" : "false");
        });
      });
    });
    // A new source (or the browser) may reset the rate: the chosen speed stays.
    audio.addEventListener("loadedmetadata", function () {
      audio.playbackRate = speed;
      show();
    });
    ["timeupdate", "play", "pause", "ended", "durationchange"].forEach(function (name) {
      audio.addEventListener(name, show);
    });
    show();
  }

  document.querySelectorAll(".player").forEach(setUp);
})();
