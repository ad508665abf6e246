// The dashboard's charts, drawn with Chart.js (served from /static/vendor/, installed by npm)
// from the same figures as the page: GET /api/dashboard for the period shown (the section's
// data-api). The page already holds each chart's figures as a table; without Chart.js or
// when the request fails, those tables stay the only view.
(function () {
  "use strict";

  var COLOURS = { made: "#2f5bd3", taken: "#1f8a4c", missed: "#c62f2f" };
  var OUTCOME_COLOURS = ["#1f8a4c", "#9aa3b5", "#2f5bd3", "#f4c542", "#c62f2f", "#7a5a00", "#6b3fa0"];
  var SERIES = [["made", "Made"], ["taken", "Taken"], ["missed", "Missed"]];

  function dayLabel(iso) {
    // "2025-03-30" -> "Sun 30 Mar"; read as a calendar day (no time zone shifts it).
    var parts = iso.split("-");
    var day = new Date(Date.UTC(+parts[0], +parts[1] - 1, +parts[2]));
    return day.toLocaleDateString("en-GB", { weekday: "short", day: "2-digit", month: "short", timeZone: "UTC" });
  }

  function hourLabel(hour) {
    return (hour < 10 ? "0" : "") + hour;
  }

  function callSeries(rows, team) {
    return SERIES.filter(function (s) { return team || s[0] !== "missed"; }).map(function (s) {
      return {
        label: s[1],
        data: rows.map(function (row) { return row[s[0]]; }),
        backgroundColor: COLOURS[s[0]],
      };
    });
  }

  function integerAxis() {
    return { beginAtZero: true, ticks: { precision: 0 } };
  }

  function draw(canvas, config) {
    config.options = Object.assign(
      { responsive: true, maintainAspectRatio: false, animation: false },
      config.options || {}
    );
    return new window.Chart(canvas, config);
  }

  var DRAWERS = {
    days: function (canvas, charts) {
      return draw(canvas, {
        type: "bar",
        data: {
          labels: charts.days.map(function (d) { return dayLabel(d.day); }),
          datasets: callSeries(charts.days, charts.scope === "team"),
        },
        options: { scales: { y: integerAxis() } },
      });
    },
    reach: function (canvas, charts) {
      // Per day, or by hour for a one-day period (the canvas's data-by says which).
      var byHour = canvas.getAttribute("data-by") === "hours";
      var rows = byHour ? charts.hours : charts.days;
      return draw(canvas, {
        type: "line",
        data: {
          labels: rows.map(function (row) { return byHour ? hourLabel(row.hour) : dayLabel(row.day); }),
          datasets: [{
            label: "Reach rate (%)",
            // Without calls made there is no rate: a gap, not 0 %.
            data: rows.map(function (row) { return row.reach_rate === null ? null : parseFloat(row.reach_rate); }),
            borderColor: COLOURS.made,
            backgroundColor: COLOURS.made,
            pointRadius: 3,
            spanGaps: true,
          }],
        },
        options: {
          scales: { y: { min: 0, max: 100, ticks: { callback: function (value) { return value + " %"; } } } },
          plugins: { legend: { display: false } },
        },
      });
    },
    outcomes: function (canvas, charts) {
      return draw(canvas, {
        type: "bar",
        data: {
          labels: charts.outcomes.map(function (o) { return o.label; }),
          datasets: [{
            label: "Outcomes",
            data: charts.outcomes.map(function (o) { return o.count; }),
            backgroundColor: charts.outcomes.map(function (o, i) { return OUTCOME_COLOURS[i % OUTCOME_COLOURS.length]; }),
          }],
        },
        options: { indexAxis: "y", scales: { x: integerAxis() }, plugins: { legend: { display: false } } },
      });
    },
    hours: function (canvas, charts) {
      return draw(canvas, {
        type: "bar",
        data: {
          labels: charts.hours.map(function (h) { return hourLabel(h.hour); }),
          datasets: callSeries(charts.hours, charts.scope === "team"),
        },
        options: { scales: { x: { stacked: true }, y: Object.assign(integerAxis(), { stacked: true }) } },
      });
    },
  };

  function hasCalls(charts) {
    return charts.days.some(function (d) { return d.made || d.taken || d.missed; });
  }

  function drawAll(section, charts) {
    var drawn = 0;
    var calls = hasCalls(charts);
    section.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var name = canvas.getAttribute("data-chart");
      // Empty axes say less than a sentence.
      if (name === "outcomes" && charts.outcomes.length === 0) {
        canvas.parentElement.replaceWith(emptyNote("No outcome recorded in this period."));
        return;
      }
      if (name !== "outcomes" && !calls) {
        canvas.parentElement.replaceWith(emptyNote("No calls in this period."));
        return;
      }
      DRAWERS[name](canvas, charts);
      drawn += 1;
    });
    // For those who wait on the charts (the browser tests): how many were drawn.
    section.setAttribute("data-charts-drawn", String(drawn));
  }

  function emptyNote(text) {
    var note = document.createElement("p");
    note.className = "muted chart-empty";
    note.textContent = text;
    return note;
  }

  function showFailure(section, text) {
    var note = emptyNote("The charts could not be loaded (" + text + "); their figures are in the tables.");
    section.insertBefore(note, section.querySelector(".chart-grid"));
    section.querySelectorAll(".chart-box").forEach(function (box) { box.remove(); });
    section.querySelectorAll("details").forEach(function (details) { details.open = true; });
  }

  var section = document.querySelector("[data-testid=charts][data-api]");
  if (!section || typeof window.Chart === "undefined") {
    return;
  }
  fetch(section.getAttribute("data-api"), { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) { throw new Error("answer " + response.status); }
      return response.json();
    })
    .then(function (body) { drawAll(section, body.charts); })
    .catch(function (error) { showFailure(section, error.message); });
})();
