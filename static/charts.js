/* Draws each <figure class="chart"> with Chart.js from the JSON beside its canvas
   (contest/services/charts.py writes it; templates/charts.html places it). No inline script:
   the data travels as <script type="application/json">, which the browser never runs. */
(function () {
  "use strict";

  /* Fills at 3:1 or more against white (WCAG non-text contrast); the pale "empty" part of a whole
     (the budget's remainder) gets a dark outline instead. Stacked parts are parted by a white line. */
  var TONES = {
    primary: "#0b6e4f", submitted: "#1e7b34", draft: "#b07800", not_started: "#8592a0",
    empty: "#d8dee6", outlier: "#b3261e", prize: "#7a4fa3", internship: "#1d5fa8"
  };
  var OUTLINES = {empty: "#5b6878"};
  var BAR_HEIGHT = 34;  // px per bar of a horizontal chart, so long lists stay readable

  var lang = document.documentElement.lang || "en";
  var plain = new Intl.NumberFormat(lang, {maximumFractionDigits: 2});
  var compact = new Intl.NumberFormat(lang, {notation: "compact", maximumFractionDigits: 1});

  /* Words into lines of at most `limit` characters (Chart.js draws an array as lines), so long
     region names and axis titles stay whole on a phone. */
  function wrap(text, limit) {
    var lines = [], line = "";
    String(text).split(" ").forEach(function (word) {
      if (line && (line + " " + word).length > limit) { lines.push(line); line = word; }
      else { line = line ? line + " " + word : word; }
    });
    lines.push(line);
    return lines.length > 1 ? lines : lines[0];
  }

  /* The server's way: 15000000000 -> "15 000 000 000 UZS". */
  function soums(value) {
    return String(Math.round(value)).replace(/\B(?=(\d{3})+(?!\d))/g, " ") + " UZS";
  }

  function axis(title, stacked, money, max) {
    var options = {stacked: stacked, beginAtZero: true, title: {display: true, text: title}};
    if (max !== null) { options.max = max; }
    options.ticks = money ? {callback: function (value) { return compact.format(value) + " UZS"; }} : {precision: 0};
    return options;
  }

  /* The average judge's lines (leniency 0, scale 1) under the points of a scatter. */
  var referenceLines = {
    id: "referenceLines",
    beforeDatasetsDraw: function (chart, _args, options) {
      if (options.x === undefined) { return; }
      var ctx = chart.ctx, area = chart.chartArea;
      var x = chart.scales.x.getPixelForValue(options.x), y = chart.scales.y.getPixelForValue(options.y);
      ctx.save();
      ctx.strokeStyle = "#5b6878";
      ctx.setLineDash([4, 4]);
      ctx.beginPath();
      if (x >= area.left && x <= area.right) { ctx.moveTo(x, area.top); ctx.lineTo(x, area.bottom); }
      if (y >= area.top && y <= area.bottom) { ctx.moveTo(area.left, y); ctx.lineTo(area.right, y); }
      ctx.stroke();
      ctx.restore();
    }
  };

  function barConfig(spec) {
    var horizontal = spec.horizontal;
    var valueAxis = axis(horizontal ? spec.x_title : spec.y_title, spec.stacked, spec.money, spec.value_max);
    var categoryAxis = {stacked: spec.stacked, ticks: {autoSkip: false},  // every bar keeps its name
                        title: {display: true, text: horizontal ? spec.y_title : spec.x_title}};
    return {
      type: "bar",
      data: {
        labels: spec.categories,
        datasets: spec.series.map(function (s) {
          return {label: s.label, data: s.values, backgroundColor: TONES[s.tone] || TONES.primary,
                  borderColor: OUTLINES[s.tone] || "#ffffff", borderWidth: spec.stacked ? 1 : 0};
        })
      },
      options: {
        indexAxis: horizontal ? "y" : "x",
        scales: horizontal ? {x: valueAxis, y: categoryAxis} : {x: categoryAxis, y: valueAxis},
        plugins: {
          legend: {display: spec.series.length > 1},
          tooltip: {callbacks: {label: function (item) {
            var value = horizontal ? item.parsed.x : item.parsed.y;
            return item.dataset.label + ": " + (spec.money ? soums(value) : plain.format(value));
          }}}
        }
      }
    };
  }

  function scatterConfig(spec) {
    return {
      type: "scatter",
      data: {
        datasets: spec.series.map(function (s) {
          var tone = TONES[s.tone] || TONES.primary;
          return {label: s.label, data: s.values, backgroundColor: tone, borderColor: tone, pointRadius: 5};
        })
      },
      options: {
        scales: {
          x: {title: {display: true, text: spec.x_title}},
          y: {title: {display: true, text: spec.y_title}}
        },
        plugins: {
          referenceLines: spec.reference || {},
          tooltip: {callbacks: {label: function (item) {
            return item.raw.label + ": " + plain.format(item.raw.x) + "; " + plain.format(item.raw.y);
          }}}
        }
      },
      plugins: [referenceLines]
    };
  }

  function draw(figure) {
    var canvas = figure.querySelector("canvas");
    var data = figure.querySelector("script.chart-data");
    if (!canvas || !data) { return; }
    var spec = JSON.parse(data.textContent);
    var width = canvas.parentNode.clientWidth;
    var labelLimit = width < 500 ? 16 : 28;
    spec.categories = spec.categories.map(function (label) { return wrap(label, labelLimit); });
    spec.x_title = wrap(spec.x_title, Math.max(20, Math.floor(width / 7)));
    spec.y_title = wrap(spec.y_title, 30);
    var config = spec.kind === "scatter" ? scatterConfig(spec) : barConfig(spec);
    if (spec.horizontal) {
      canvas.parentNode.style.height = (spec.categories.length * BAR_HEIGHT + 110) + "px";
    }
    config.options.responsive = true;
    config.options.maintainAspectRatio = false;
    config.options.animation = false;
    new window.Chart(canvas, config);
  }

  function drawAll() {
    Array.prototype.forEach.call(document.querySelectorAll("figure.chart"), draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
