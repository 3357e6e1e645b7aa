// eval.svg: accuracy against the number of answers k, one line per method with +-1 standard error bars, one panel
// per setting (prompts the basis saw / never saw). Drawn with vega-lite, rendered headless to SVG by vega; both are
// imported when a chart is drawn, not when the CLI starts (they are large, and only eval and bench draw).
import type { TopLevelSpec } from "vega-lite";
import type { Method, SettingResult } from "./protocol.ts";
import { METHODS } from "./protocol.ts";

const Y_TITLE = "test accuracy (ties excluded), +-1 s.e.";

const LABELS: Record<Method, string> = {
  active: "active (PReF)",
  random: "random (PReF)",
  population: "population RM",
  per_user: "per-user (no basis)",
  oracle: "oracle (whole pool)",
};

export async function renderAccuracyChart(settings: { name: string; result: SettingResult }[], title: string): Promise<string> {
  const values = settings.flatMap(({ name, result }) =>
    METHODS.flatMap((m) =>
      result.k.map((k, i) => {
        const acc = result.curves[m].accuracy[i];
        const se = result.curves[m].stderr[i];
        return { setting: name, method: LABELS[m], k, accuracy: acc, lo: acc - se, hi: acc + se };
      }),
    ),
  );
  const encoding = {
    x: { field: "k", type: "ordinal", title: "answers from the user (k)", axis: { labelAngle: 0 } },
    color: { field: "method", type: "nominal", title: "method", sort: METHODS.map((m) => LABELS[m]) },
  };
  const spec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title,
    data: { values },
    facet: { column: { field: "setting", type: "nominal", title: null } },
    spec: {
      width: 320,
      height: 240,
      encoding,
      layer: [
        { mark: { type: "line", point: true }, encoding: { y: { field: "accuracy", type: "quantitative", title: Y_TITLE, scale: { zero: false } } } },
        { mark: { type: "errorbar", ticks: true }, encoding: { y: { field: "lo", type: "quantitative", title: Y_TITLE }, y2: { field: "hi" } } },
      ],
    },
  };
  const [vega, vegaLite] = await Promise.all([import("vega"), import("vega-lite")]);
  const compiled = vegaLite.compile(spec as unknown as TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}
