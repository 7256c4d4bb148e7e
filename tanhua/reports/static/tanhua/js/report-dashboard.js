// The leadership dashboard's charts (vendored ECharts; no animation: screenshots and print).
(function () {
  "use strict";
  function start() {
    var node = document.getElementById("dashboard-data");
    if (!node || !window.echarts) return;
    var d = JSON.parse(node.textContent);
    function chart(id, option) {
      var el = document.getElementById(id);
      if (!el) return;
      option.animation = false;
      window.echarts.init(el).setOption(option);
    }
    chart("chart-levels", {
      tooltip: {}, legend: { data: ["计划", "已谈话"] },
      xAxis: { type: "category", data: d.levels }, yAxis: { type: "value", minInterval: 1 },
      series: [{ name: "计划", type: "bar", data: d.planned }, { name: "已谈话", type: "bar", data: d.held }]
    });
    chart("chart-areas", {
      tooltip: {}, grid: { left: 140 },
      yAxis: { type: "category", data: d.areas }, xAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", data: d.problems, itemStyle: { color: "#c0392b" } }]
    });
    chart("chart-colours", {
      tooltip: {}, color: ["#2e7d32", "#f9a825", "#c62828", "#1565c0"],
      series: [{ type: "pie", radius: ["40%", "70%"], data: d.colours, label: { formatter: "{b}：{c}" } }]
    });
    chart("chart-trend", {
      tooltip: {}, legend: { data: ["已谈话", "指出问题"] },
      xAxis: { type: "category", data: d.years }, yAxis: { type: "value", minInterval: 1 },
      series: [{ name: "已谈话", type: "line", data: d.trend_held }, { name: "指出问题", type: "line", data: d.trend_problems }]
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
