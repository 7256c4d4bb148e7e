// The portrait page's charts (vendored Apache ECharts): an indicator's trend over the years
// against its target, and the locality among its peers (quartiles). Data comes from the
// page's json_script element: no inline script, which the CSP forbids.
document.addEventListener("DOMContentLoaded", function () {
  var source = document.getElementById("portrait-data");
  var trendBox = document.getElementById("trend-chart");
  var peersBox = document.getElementById("peers-chart");
  if (!source || !trendBox || !peersBox || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  if (!data.indicators.length) { return; }
  var names = JSON.parse(peersBox.getAttribute("data-labels"));
  var trend = window.echarts.init(trendBox, null, { renderer: "svg" });
  var peers = window.echarts.init(peersBox, null, { renderer: "svg" });
  function show(code) {
    var ind = data.indicators.filter(function (i) { return i.code === code; })[0] || data.indicators[0];
    trend.setOption({
      animation: false,
      title: { text: trendBox.getAttribute("data-title") + "：" + ind.name, textStyle: { fontSize: 13 } },
      tooltip: { trigger: "axis" },
      grid: { left: 50, right: 20, top: 40, bottom: 30 },
      xAxis: { type: "category", data: ind.periods },
      yAxis: { type: "value", scale: true, name: ind.unit },
      series: [
        { name: ind.name, type: "line", data: ind.values, color: "#9c1c1c" },
        { name: trendBox.getAttribute("data-target"), type: "line", data: ind.targets,
          lineStyle: { type: "dashed" }, symbol: "none", color: "#656d76" }
      ]
    }, true);
    if (!ind.quartiles) { peers.clear(); return; }
    var q = ind.quartiles;
    peers.setOption({
      animation: false,
      title: { text: peersBox.getAttribute("data-title") + "（" + ind.rank + "/" + ind.peers + "）", textStyle: { fontSize: 13 } },
      tooltip: { trigger: "item" },
      grid: { left: 50, right: 20, top: 40, bottom: 30 },
      xAxis: { type: "category", data: [ind.name] },
      yAxis: { type: "value", scale: true, name: ind.unit },
      series: [
        { type: "boxplot", data: [[Math.min(ind.best, ind.worst), q[0], q[1], q[2], Math.max(ind.best, ind.worst)]], color: "#0969da" },
        { name: names.self, type: "scatter", data: [[0, ind.value]], symbolSize: 14, color: "#9c1c1c" }
      ]
    }, true);
  }
  show(data.indicators[0].code);
  document.querySelectorAll(".chart-pick").forEach(function (b) {
    b.addEventListener("click", function () { show(b.getAttribute("data-code")); });
  });
  window.addEventListener("resize", function () { trend.resize(); peers.resize(); });
});
