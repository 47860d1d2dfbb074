// Generates the bulk of the country gazetteer from well-kept packages:
//   cldr-localenames-full  territory names (with short and variant forms) in every locale   (Unicode-3.0)
//   i18n-iso-countries     official names and aliases per language                         (MIT)
//   i18n-nationality       demonyms in en, de, es, fr, it, nl                              (MIT)
//   countries-list         English capital of every country                                (MIT)
//   cldr-dates-full        localised names of time-zone cities (major cities, capitals)    (Unicode-3.0)
//   countries-and-timezones  which country a time zone belongs to                          (MIT)
// Output: ../../Data/gazetteer.generated.tsv (code, language, kind, form), sorted, deduplicated.
// What the packages lack (Tiongkok, metonyms, abbreviations, adjectives...) is in gazetteer.supplement.tsv.
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const output = path.join(here, '..', '..', 'Data', 'gazetteer.generated.tsv');

// The 25 languages the classifier promises; value = CLDR locales read for it.
const languages = {
  id: ['id'], ms: ['ms'], en: ['en'], es: ['es'], pt: ['pt'], fr: ['fr'], de: ['de'], it: ['it'], nl: ['nl'],
  ru: ['ru'], uk: ['uk'], pl: ['pl'], tr: ['tr'], ar: ['ar'], fa: ['fa'], he: ['he'], zh: ['zh', 'zh-Hant'],
  ja: ['ja'], ko: ['ko'], vi: ['vi'], th: ['th'], hi: ['hi'], ur: ['ur'], sw: ['sw'], tl: ['fil'],
};

// Time zones whose city is a capital or a major city worth counting as a mention of its country.
// Reviewed by hand: zones named after small towns (America/Indiana/Marengo, Australia/Eucla...) are left out.
const cityZones = `
Europe/London Europe/Paris Europe/Berlin Europe/Madrid Europe/Rome Europe/Lisbon Europe/Amsterdam Europe/Brussels
Europe/Vienna Europe/Zurich Europe/Stockholm Europe/Oslo Europe/Copenhagen Europe/Helsinki Europe/Warsaw Europe/Prague
Europe/Budapest Europe/Bucharest Europe/Sofia Europe/Athens Europe/Istanbul Europe/Moscow Europe/Kiev Europe/Minsk
Europe/Vilnius Europe/Riga Europe/Tallinn Europe/Dublin Europe/Belgrade Europe/Zagreb Europe/Ljubljana Europe/Sarajevo
Europe/Skopje Europe/Tirane Europe/Chisinau Europe/Bratislava Europe/Kaliningrad Europe/Volgograd Atlantic/Reykjavik
Asia/Tokyo Asia/Seoul Asia/Pyongyang Asia/Shanghai Asia/Taipei Asia/Manila Asia/Jakarta Asia/Makassar Asia/Kuala_Lumpur
Asia/Bangkok Asia/Saigon Asia/Rangoon Asia/Dhaka Asia/Calcutta Asia/Karachi Asia/Kabul Asia/Tehran Asia/Baghdad
Asia/Riyadh Asia/Dubai Asia/Muscat Asia/Aden Asia/Damascus Asia/Beirut Asia/Jerusalem Asia/Gaza Asia/Baku Asia/Tbilisi
Asia/Yerevan Asia/Tashkent Asia/Almaty Asia/Bishkek Asia/Dushanbe Asia/Ashgabat Asia/Ulaanbaatar Asia/Katmandu
Asia/Colombo Asia/Thimphu Asia/Phnom_Penh Asia/Vientiane Asia/Dili Asia/Vladivostok Asia/Urumqi
Africa/Cairo Africa/Tripoli Africa/Tunis Africa/Algiers Africa/Casablanca Africa/Khartoum Africa/Juba Africa/Addis_Ababa
Africa/Nairobi Africa/Mogadishu Africa/Kampala Africa/Dar_es_Salaam Africa/Kinshasa Africa/Brazzaville Africa/Lagos
Africa/Abidjan Africa/Accra Africa/Dakar Africa/Bamako Africa/Niamey Africa/Ouagadougou Africa/Ndjamena Africa/Bangui
Africa/Douala Africa/Libreville Africa/Luanda Africa/Maputo Africa/Harare Africa/Lusaka Africa/Johannesburg
Africa/Windhoek Africa/Gaborone Africa/Kigali Africa/Bujumbura Africa/Asmera Africa/Conakry Africa/Bissau
Africa/Freetown Africa/Monrovia Africa/Lome Africa/Nouakchott Africa/Malabo
America/New_York America/Los_Angeles America/Chicago America/Mexico_City America/Havana America/Caracas America/Bogota
America/Lima America/Santiago America/Buenos_Aires America/Sao_Paulo America/Montevideo America/Asuncion America/La_Paz
America/Managua America/Tegucigalpa America/Santo_Domingo America/Port-au-Prince America/Toronto America/Vancouver
Australia/Sydney Australia/Melbourne Australia/Darwin Australia/Perth Pacific/Auckland Pacific/Port_Moresby
`.split(/\s+/).filter(Boolean);

// Capitals (from countries-list) too ambiguous to count: common words or names of other places.
const ambiguousCapitals = new Set(['Victoria', 'Kingston', 'Male', 'Praia', 'Hamilton', 'Georgetown', "Saint John's",
  'Road Town', 'The Valley', 'Plymouth', 'Jamestown', 'Philipsburg', 'Kingstown', 'San José', 'San Juan', 'Avarua',
  'Palikir', 'Apia', 'Castries', 'Roseau', 'Basseterre', 'Flying Fish Cove', 'West Island', 'King Edward Point',
  'Adamstown', 'Alofi', 'Nuku\'alofa', 'Funafuti', 'Yaren', 'Majuro', 'Ngerulmud', 'Hagåtña', 'Saipan', 'Pago Pago',
  'Kingston', 'Longyearbyen', 'Mata-Utu', 'Gustavia', 'Marigot', 'Saint-Pierre', 'Saint-Denis', 'Mamoudzou',
  'Cayenne', 'Fort-de-France', 'Basse-Terre', 'Douglas', 'Saint Helier', 'St. Peter Port', 'Stanley', 'Brades',
  'Charlotte Amalie', 'Cockburn Town', 'Oranjestad', 'Willemstad', 'Kralendijk', 'Nassau', 'Belmopan', 'Washington D.C.',
  'Mexico City', 'Kuwait City', 'Panama City', 'Guatemala City', 'Vatican City', 'Singapore', 'Monaco', 'Luxembourg',
  'Djibouti', 'San Marino', 'Andorra la Vella', 'Sucre', 'Tórshavn', 'Nouméa', 'Papeete', 'Diego Garcia']);

// Territory names in CLDR that are not useful as country mentions.
const skipNames = new Set(['Kongo - Kinshasa', 'Kongo - Brazzaville', 'Congo - Kinshasa', 'Congo - Brazzaville']);

const rows = new Set();
const isoCountries = require('i18n-iso-countries');
const isoCodes = new Set(Object.keys(isoCountries.getAlpha2Codes()));
const validCode = (code) => code === 'EU' || isoCodes.has(code);

// A bare "Congo" is the Republic of the Congo; the DR Congo is always named with its qualifier.
const bareCongo = new Set(['Congo', 'Kongo', 'Konggo']);

function add(code, lang, kind, form) {
  if (!validCode(code) || !form) return;
  form = form.normalize('NFC').replace(/\s+/g, ' ').trim();
  if (form.length < 2 || skipNames.has(form)) return;
  if (code === 'CD' && bareCongo.has(form)) return;
  rows.add([code, lang, kind, form].join('\t'));
}

// "Myanmar (Burma)" → both names; "Congo (DRC)" → "Congo" would be wrong, so parentheses are kept only as a second form.
function addName(code, lang, kind, name) {
  const match = /^(.*?)\s*\((.*)\)$/.exec(name);
  if (!match) return add(code, lang, kind, name);
  add(code, lang, kind, name.replace(/[()]/g, ''));
  if (!/^(Congo|Kongo|Konggo|コンゴ|刚果|콩고|คองโก|Κονγκό)/i.test(match[1])) add(code, lang, kind, match[1]);
  // "Congo (DRC)" → DRC; other parentheses name a different country ("Virgin Islands (US)") and are not kept alone.
  if ((code === 'CD' || code === 'CG') && match[2].length <= 5 && match[2] === match[2].toUpperCase()) add(code, lang, 'abbr', match[2]);
}

for (const [lang, locales] of Object.entries(languages)) {
  for (const locale of locales) {
    const territories = require(`cldr-localenames-full/main/${locale}/territories.json`)
      .main[locale].localeDisplayNames.territories;
    for (const [key, name] of Object.entries(territories)) {
      const [code, , alt] = key.split('-');
      if (!/^[A-Z]{2}$/.test(code)) continue;
      addName(code, lang, alt === 'short' ? 'short' : alt === 'variant' ? 'variant' : 'name', name);
    }
  }
  try {
    const iso = require(`i18n-iso-countries/langs/${lang}.json`).countries;
    for (const [code, names] of Object.entries(iso)) {
      for (const name of [names].flat()) addName(code, lang, 'official', name);
    }
  } catch { /* i18n-iso-countries has no Tagalog list; CLDR's fil covers it */ }
  try {
    const demonyms = require(`i18n-nationality/langs/${lang}.json`).nationalities;
    for (const [code, demonym] of Object.entries(demonyms)) add(code, lang, 'demonym', demonym);
  } catch { /* only en, de, es, fr, it, nl (and two unused languages) are in i18n-nationality */ }
}

const { countries } = require('countries-list');
for (const [code, country] of Object.entries(countries)) {
  for (const capital of String(country.capital || '').split(',').map((c) => c.trim())) {
    if (capital && !ambiguousCapitals.has(capital)) add(code, 'en', 'capital', capital);
  }
}

const timezones = require('countries-and-timezones');
for (const zone of cityZones) {
  const info = timezones.getTimezone(zone) ?? timezones.getTimezone(zone.replace('Kiev', 'Kyiv'));
  const code = zone === 'America/Buenos_Aires' ? 'AR' : info?.countries?.[0];
  if (!code) throw new Error(`no country for time zone ${zone}`);
  const [area, ...rest] = zone.split('/');
  add(code, 'en', 'city', rest.at(-1).replace(/_/g, ' '));
  for (const [lang, locales] of Object.entries(languages)) {
    for (const locale of locales) {
      let node = require(`cldr-dates-full/main/${locale}/timeZoneNames.json`).main[locale].dates.timeZoneNames.zone[area];
      for (const part of zone === 'America/Buenos_Aires' ? ['Buenos_Aires'] : rest) node = node?.[part];
      if (node?.exemplarCity) add(code, lang, 'city', node.exemplarCity);
    }
  }
}

const header = [
  '# GENERATED by services/Classification/tools/gazetteer/generate.sh — do not edit; add to gazetteer.supplement.tsv instead.',
  '# Sources: cldr-localenames-full 48.2.0 and cldr-dates-full 48.2.0 (Unicode-3.0), i18n-iso-countries 7.14.0,',
  '# i18n-nationality 1.4.0, countries-list 3.4.1, countries-and-timezones 3.10.0 (MIT).',
  '# code\tlanguage\tkind\tform',
];
const sorted = [...rows].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
writeFileSync(output, header.concat(sorted).join('\n') + '\n');
console.log(`${sorted.length} forms written to ${path.relative(process.cwd(), output)}`);
