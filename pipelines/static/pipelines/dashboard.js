// 挂图作战: one small chart per target, cumulative monthly figure against the target line.
// Data comes from the json_script tag #pl-chart-data (CSP forbids inline scripts).
(function () {
  "use strict";
  var source = document.getElementById("pl-chart-data");
  if (!source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var charts = [];
  document.querySelectorAll(".pl-chart").forEach(function (el) {
    var item = data[Number(el.dataset.index)];
    if (!item) { return; }
    var chart = echarts.init(el);
    chart.setOption({
      title: { text: item.label + "（" + item.unit + "）", textStyle: { fontSize: 13 } },
      tooltip: { trigger: "axis" },
      legend: { bottom: 0, data: ["累计完成", "当月", "年度目标"] },
      grid: { left: 40, right: 16, top: 36, bottom: 48 },
      xAxis: { type: "category", data: item.months.map(function (m) { return m + "月"; }) },
      yAxis: { type: "value", max: function (v) { return Math.max(v.max, item.target); } },
      series: [
        { name: "累计完成", type: "line", data: item.cumulative, smooth: true,
          markLine: { silent: true, symbol: "none", data: [{ yAxis: item.target, name: "年度目标" }],
                      lineStyle: { color: "#c62828", type: "dashed" } } },
        { name: "当月", type: "bar", data: item.monthly, itemStyle: { color: "#90caf9" } },
        { name: "年度目标", type: "line", data: [], lineStyle: { color: "#c62828", type: "dashed" } }
      ]
    });
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
