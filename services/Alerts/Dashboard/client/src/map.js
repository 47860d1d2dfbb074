// The world map: each country coloured by its highest alert severity in the last 24 hours, clickable.
// Shapes are Natural Earth 1:110m (world-atlas), keyed by ISO 3166-1 numeric codes, mapped here to alpha-2.
import { geoNaturalEarth1, geoPath } from "d3-geo";
import { feature } from "topojson-client";
import world from "world-atlas/countries-110m.json";
import codes from "i18n-iso-countries/codes.json";
import { fill, h, svg } from "./dom.js";
import { SEVERITIES, countryName, number, relativeTime, topicLabel } from "./format.js";

const alpha2ByNumeric = new Map(codes.map(([alpha2, , numeric]) => [numeric, alpha2]));
const WIDTH = 960;
const HEIGHT = 500;

const shapes = feature(world, world.objects.countries).features
  .map((shape) => ({ shape, code: alpha2ByNumeric.get(shape.id) ?? null, name: shape.properties.name }))
  .filter((s) => s.name !== "Antarctica");
const onMap = new Set(shapes.map((s) => s.code).filter(Boolean));

export function createWorldMap(onSelect) {
  const projection = geoNaturalEarth1().fitExtent([[4, 4], [WIDTH - 4, HEIGHT - 4]], {
    type: "FeatureCollection", features: shapes.map((s) => s.shape),
  });
  const path = geoPath(projection);
  const paths = new Map();
  const map = svg("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: "world", role: "img", "aria-label": "World map of alerts in the last 24 hours" },
    svg("path", { class: "sphere", d: path({ type: "Sphere" }) }),
    shapes.map((s) => {
      const element = svg("path", { class: "country", d: path(s.shape), "data-code": s.code ?? "", "data-name": s.name });
      const title = svg("title", {}, s.code ? countryName(s.code) : s.name);
      element.append(title);
      if (s.code) {
        element.addEventListener("click", () => onSelect(s.code));
        element.addEventListener("keydown", (event) => {
          if (event.key === "Enter" || event.key === " ") onSelect(s.code);
        });
        paths.set(s.code, { element, title });
      }
      return element;
    }));

  const offMap = h("ul.off-map", { "aria-label": "Alerting places not drawn on the map" });
  const legend = h("ul.legend", {}, [
    h("li", {}, h("span.swatch.quiet"), "older alerts"),
    ...SEVERITIES.slice(1).map((s) => h("li", {}, h(`span.swatch.sev-${s}`), s)),
  ]);
  const element = h("div.map", {}, map, h("div.map-foot", {}, offMap, legend));

  /** Colours the map from /api/countries; places not drawn (the EU, small states) get a chip of their own. */
  function update(countries) {
    const byCode = new Map(countries.map((c) => [c.code, c]));
    for (const [code, { element: shape, title }] of paths) {
      const country = byCode.get(code);
      shape.setAttribute("class", `country ${shadeOf(country)}`);
      shape.setAttribute("tabindex", country ? "0" : "-1");
      title.textContent = describe(code, country);
    }
    const chips = [byCode.get("EU") ?? { code: "EU", alerts24h: 0, alertsTotal: 0 }]
      .concat(countries.filter((c) => c.code !== "EU" && !onMap.has(c.code)));
    fill(offMap, ...chips.map((country) =>
      h("li", {}, h(`a.place.${shadeOf(country.alertsTotal ? country : null)}`,
        { href: `#/country/${country.code}`, title: describe(country.code, country.alertsTotal ? country : null), "data-code": country.code },
        h("span.place-code", {}, country.code), " ", countryName(country.code),
        country.alerts24h ? h("span.place-count", {}, number(country.alerts24h)) : null))));
  }

  return { element, update };
}

function shadeOf(country) {
  if (!country) return "no-alerts";
  return country.alerts24h > 0 ? `sev-${country.maxSeverity24h}` : "quiet";
}

function describe(code, country) {
  const name = countryName(code);
  if (!country) return `${name}: no alerts`;
  const topics = (country.topTopics ?? []).map(topicLabel).join(", ");
  return `${name}: ${number(country.alerts24h)} alerts in 24 h (highest ${country.maxSeverity24h}), ${number(country.alertsTotal)} in all; ` +
    `last ${relativeTime(country.lastAlertAt)}${topics ? `; ${topics}` : ""}`;
}
