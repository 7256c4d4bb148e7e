// The campaign page's progress chart (vendored Apache ECharts). Data comes from the page's
// json_script element: no inline script, which the CSP forbids.
document.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("progress-chart");
  var source = document.getElementById("campaign-progress");
  if (!box || !source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var names = JSON.parse(box.getAttribute("data-labels"));
  var chart = window.echarts.init(box, null, { renderer: "svg" });
  chart.setOption({
    animation: false,
    tooltip: { trigger: "axis" },
    legend: { top: 6, data: [names.planned, names.scheduled, names.held] },
    grid: { left: 50, right: 20, top: 44, bottom: 30 },
    xAxis: { type: "category", data: data.days, axisLabel: { formatter: function (v) { return v.slice(5); } } },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: names.planned, type: "line", symbol: "none", lineStyle: { type: "dashed" },
        data: data.days.map(function () { return data.planned; }), color: "#656d76" },
      { name: names.scheduled, type: "line", symbol: "none", data: data.scheduled, color: "#0969da" },
      { name: names.held, type: "line", symbol: "none", areaStyle: { opacity: 0.15 }, data: data.held, color: "#9c1c1c" }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
});
