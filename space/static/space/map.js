// 产业地图: parks as a scatter at their coordinates, sized/coloured by the chosen measure; outlines when uploaded.
// Offline by construction: ECharts is served locally, the outline comes embedded in the page, no tiles.
(function () {
  var el = document.getElementById("sp-map");
  var dataEl = document.getElementById("sp-map-data");
  if (!el || !dataEl || !window.echarts) return;
  var data = JSON.parse(dataEl.textContent);
  var chart = echarts.init(el);
  var values = data.points.map(function (p) { return p.value[2]; });
  var max = Math.max.apply(null, values.concat([1]));
  var size = function (v) { return 6 + 24 * Math.sqrt(Math.max(v[2], 0) / max); };
  var series = {
    type: "scatter", data: data.points, symbolSize: size,
    itemStyle: { borderColor: "#fff", borderWidth: 1 },
    emphasis: { label: { show: true, formatter: "{b}", position: "top" } },
  };
  var option = {
    tooltip: { trigger: "item", formatter: function (p) {
      return p.name + "<br>" + data.label + "：" + p.value[2].toLocaleString("zh-CN") + (p.data.low ? "<br>低效" : "");
    } },
    visualMap: { min: 0, max: max, dimension: 2, calculable: true, orient: "horizontal", left: "center", bottom: 0,
                 text: ["高", "低"], inRange: { color: ["#90caf9", "#f9a825", "#c62828"] } },
    series: [series],
  };
  if (data.outline) {
    echarts.registerMap("sp-outline", data.outline);
    option.geo = { map: "sp-outline", roam: true, label: { show: true, fontSize: 10 },
                   itemStyle: { areaColor: "#f5f7fa", borderColor: "#90a4ae" } };
    series.coordinateSystem = "geo";
  } else {
    option.grid = { left: 40, right: 16, top: 16, bottom: 60 };
    option.xAxis = { type: "value", scale: true, name: "经度", axisLabel: { fontSize: 10 } };
    option.yAxis = { type: "value", scale: true, name: "纬度", axisLabel: { fontSize: 10 } };
    option.dataZoom = [{ type: "inside", xAxisIndex: 0 }, { type: "inside", yAxisIndex: 0 }];
  }
  chart.setOption(option);
  chart.on("click", function (p) { if (p.data && p.data.url) window.location.href = p.data.url; });
  window.addEventListener("resize", function () { chart.resize(); });
})();
