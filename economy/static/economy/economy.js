// Street economy page: the monthly trend of one indicator (ytd bars, growth line). Data from #ec-chart-data
// (CSP forbids inline scripts).
(function () {
  "use strict";
  var source = document.getElementById("ec-chart-data");
  var el = document.getElementById("ec-chart");
  if (!source || !el || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var chart = echarts.init(el);
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { bottom: 0, data: ["本年累计（万元）", "本月（万元）", "同比增长（%）"] },
    grid: { left: 8, right: 8, top: 24, bottom: 48, containLabel: true },
    xAxis: { type: "category", data: data.points.map(function (p) { return p.month; }) },
    yAxis: [{ type: "value" }, { type: "value", axisLabel: { formatter: "{value}%" } }],
    series: [
      { name: "本年累计（万元）", type: "bar", data: data.points.map(function (p) { return Number(p.ytd); }) },
      { name: "本月（万元）", type: "bar", data: data.points.map(function (p) { return Number(p.value); }) },
      { name: "同比增长（%）", type: "line", yAxisIndex: 1,
        data: data.points.map(function (p) { return p.growth === null ? null : Number(p.growth); }) }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
