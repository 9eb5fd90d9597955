/* The statistics page's charts (Chart.js, vendored). Each canvas carries its numbers in
   data-chart; the table beside it holds the same numbers. One series per chart, drawn as
   horizontal bars, each bar named on its axis and its value written at its end, so nothing
   depends on colour. */
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") {
    return;
  }
  var lang = document.documentElement.lang || "en";
  var amount = new Intl.NumberFormat(lang, {minimumFractionDigits: 2, maximumFractionDigits: 2});
  var compact = new Intl.NumberFormat(lang, {notation: "compact", maximumFractionDigits: 1});
  var whole = new Intl.NumberFormat(lang, {maximumFractionDigits: 0});
  var blue = getComputedStyle(document.documentElement).getPropertyValue("--market-blue").trim() ||
    "#1c4f8a";

  var valueLabels = {
    id: "valueLabels",
    afterDatasetsDraw: function (chart) {
      var ctx = chart.ctx;
      chart.data.datasets.forEach(function (dataset, i) {
        chart.getDatasetMeta(i).data.forEach(function (bar, index) {
          ctx.save();
          ctx.fillStyle = "#1f2933";
          ctx.font = "12px system-ui, sans-serif";
          ctx.textAlign = "left";
          ctx.textBaseline = "middle";
          ctx.fillText(amount.format(dataset.data[index]), bar.x + 4, bar.y);
          ctx.restore();
        });
      });
    }
  };

  // A long name on the axis goes on two or more lines instead of being cut.
  function wrap(label, width) {
    var lines = [""];
    label.split(" ").forEach(function (word) {
      var last = lines.length - 1;
      if (lines[last] && (lines[last] + " " + word).length > width) {
        lines.push(word);
      } else {
        lines[last] = lines[last] ? lines[last] + " " + word : word;
      }
    });
    return lines.length > 1 ? lines : label;
  }

  function draw(canvas) {
    var spec = JSON.parse(canvas.getAttribute("data-chart"));
    var labels = spec.labels.map(function (label) { return wrap(label, 22); });
    var lines = labels.reduce(function (n, label) {
      return n + (Array.isArray(label) ? label.length : 1);
    }, 0);
    canvas.parentElement.style.height = (lines * 16 + spec.labels.length * 14 + 50) + "px";
    return new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: labels,
        datasets: [{
          label: spec.label,
          data: spec.values,
          backgroundColor: "rgba(28, 79, 138, 0.75)",
          borderColor: blue,
          borderWidth: 1
        }]
      },
      options: {
        indexAxis: "y",
        maintainAspectRatio: false,
        responsive: true,
        animation: false,
        layout: {padding: {right: 110}},
        plugins: {
          legend: {display: false},
          tooltip: {
            callbacks: {
              label: function (item) {
                return spec.label + ": " + amount.format(item.raw) + " · " + spec.count_label +
                  ": " + whole.format(spec.counts[item.dataIndex]);
              }
            }
          }
        },
        scales: {
          y: {ticks: {autoSkip: false}},
          x: {
            beginAtZero: true,
            ticks: {maxRotation: 0, callback: function (value) { return compact.format(value); }}
          }
        }
      },
      plugins: [valueLabels]
    });
  }

  document.querySelectorAll("canvas[data-chart]").forEach(draw);
})();
