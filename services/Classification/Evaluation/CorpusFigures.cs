using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Monitoring.Classification.Evaluation;

/// <summary>
/// Figures on the third-party labelled corpora in ../shared/corpus/labelled-text (see its SOURCES.md), read in
/// place and never copied: PLOVER gold events (actor countries, event types), SIB-200 (the same sentences in many
/// languages). Printed by the eval command for information; no test asserts them.
/// </summary>
public static class CorpusFigures
{
    private static readonly Dictionary<string, string[]> PloverTopics = new()
    {
        ["FIGHT"] = [Contracts.Topics.ArmedConflict],
        ["ASSAULT"] = [Contracts.Topics.ArmedConflict, Contracts.Topics.Terrorism, Contracts.Topics.CivilUnrest],
        ["MOBILIZE"] = [Contracts.Topics.MilitaryActivity],
        ["PROTEST"] = [Contracts.Topics.CivilUnrest],
        ["SANCTION"] = [Contracts.Topics.Sanctions],
    };

    private static readonly Dictionary<string, string> SibLanguages = new()
    {
        ["eng_Latn"] = "en", ["ind_Latn"] = "id", ["zsm_Latn"] = "ms", ["arb_Arab"] = "ar", ["zho_Hans"] = "zh",
        ["zho_Hant"] = "zh", ["jpn_Jpan"] = "ja", ["kor_Hang"] = "ko", ["rus_Cyrl"] = "ru", ["ukr_Cyrl"] = "uk",
        ["spa_Latn"] = "es", ["fra_Latn"] = "fr", ["deu_Latn"] = "de", ["por_Latn"] = "pt", ["ita_Latn"] = "it",
        ["pol_Latn"] = "pl", ["tur_Latn"] = "tr", ["pes_Arab"] = "fa", ["urd_Arab"] = "ur", ["hin_Deva"] = "hi",
        ["vie_Latn"] = "vi", ["tgl_Latn"] = "tl", ["heb_Hebr"] = "he", ["tha_Thai"] = "th",
    };

    /// <summary>The labelled-text folder: MONITORING_CORPUS, or shared/corpus/labelled-text beside or above the current directory.</summary>
    public static string? Locate()
    {
        var configured = Environment.GetEnvironmentVariable("MONITORING_CORPUS");
        if (!string.IsNullOrEmpty(configured)) return Directory.Exists(configured) ? configured : null;
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            foreach (var candidate in new[] { Path.Combine(dir.FullName, "shared", "corpus", "labelled-text"),
                         Path.Combine(dir.FullName, "..", "shared", "corpus", "labelled-text") })
            {
                if (Directory.Exists(candidate)) return Path.GetFullPath(candidate);
            }
        }
        return null;
    }

    public static string Report(IArticleClassifier classifier, string folder)
    {
        var text = new StringBuilder();
        var plover = Path.Combine(folder, "plover", "PLOVER_GSR_CAMEO.json");
        if (File.Exists(plover)) text.Append(Plover(classifier, plover));
        var sib = Path.Combine(folder, "sib-200");
        if (Directory.Exists(sib)) text.Append(Sib(classifier, sib));
        return text.ToString();
    }

    private static string Plover(IArticleClassifier classifier, string path)
    {
        var alpha3 = Alpha3ToAlpha2();
        int actors = 0, found = 0, events = 0, raised = 0, records = 0;
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        foreach (var record in document.RootElement.EnumerateArray())
        {
            var type = record.GetProperty("event").GetString() ?? "";
            if (type == "DOCUMENT" || !record.TryGetProperty("text", out var sentence)) continue;
            records++;
            var result = classifier.Classify(new ArticleText("plover", "", sentence.GetString() ?? "", "en"));
            var codes = result.Countries.Select(c => c.Code).ToHashSet();
            var gold = new HashSet<string>();
            foreach (var side in new[] { "source", "target" })
            {
                if (!record.TryGetProperty(side, out var list) || list.ValueKind != JsonValueKind.Array) continue;
                foreach (var actor in list.EnumerateArray())
                {
                    if (actor.TryGetProperty("code", out var code) && code.GetString() is { Length: 3 } c && alpha3.TryGetValue(c, out var a2)) gold.Add(a2);
                }
            }
            actors += gold.Count;
            found += gold.Count(codes.Contains);
            if (PloverTopics.TryGetValue(type, out var expected))
            {
                events++;
                if (result.Topics.Any(t => expected.Contains(t.Id))) raised++;
            }
        }
        return string.Create(CultureInfo.InvariantCulture,
            $"PLOVER gold (en, {records} sentences): actor-country recall {found}/{actors} = {Ratio(found, actors):0.000}; " +
            $"topic recall on FIGHT/ASSAULT/MOBILIZE/PROTEST/SANCTION {raised}/{events} = {Ratio(raised, events):0.000}\n");
    }

    private static string Sib(IArticleClassifier classifier, string folder)
    {
        var text = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        var parallel = Path.Combine(folder, "parallel_country_subset.tsv");
        if (File.Exists(parallel))
        {
            var lines = File.ReadAllLines(parallel);
            var header = lines[0].Split('\t');
            int pairs = 0, same = 0, silver = 0, silverFound = 0;
            var perLanguage = new Dictionary<string, (int Same, int Pairs)>();
            foreach (var line in lines.Skip(1))
            {
                var fields = line.Split('\t');
                var english = Countries(classifier, fields[4], "en");
                foreach (var code in fields[3].Split(',', StringSplitOptions.RemoveEmptyEntries))
                {
                    silver++;
                    if (english.Contains(code)) silverFound++;
                }
                for (var column = 5; column < fields.Length && column < header.Length; column++)
                {
                    var found = Countries(classifier, fields[column], SibLanguages.GetValueOrDefault(header[column]));
                    var agree = found.SetEquals(english);
                    pairs++;
                    if (agree) same++;
                    var (s, p) = perLanguage.GetValueOrDefault(header[column]);
                    perLanguage[header[column]] = (s + (agree ? 1 : 0), p + 1);
                }
            }
            text.AppendLine(inv, $"SIB-200 parallel subset: English countries vs silver regex labels recall {silverFound}/{silver} = {Ratio(silverFound, silver):0.000}; " +
                                 $"same countries as English in {same}/{pairs} translations = {Ratio(same, pairs):0.000}");
            text.AppendLine("  per language: " + string.Join("  ", perLanguage.OrderBy(kv => kv.Key, StringComparer.Ordinal)
                .Select(kv => string.Create(inv, $"{SibLanguages.GetValueOrDefault(kv.Key, kv.Key)} {Ratio(kv.Value.Same, kv.Value.Pairs):0.00}"))));
        }
        var accuracy = new List<string>();
        int right = 0, total = 0;
        foreach (var file in Directory.GetFiles(folder, "*.test.tsv").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(file).Replace(".test.tsv", "");
            if (!SibLanguages.TryGetValue(name, out var language)) continue;
            int fileRight = 0, fileTotal = 0;
            foreach (var fields in ReadQuotedTsv(file).Skip(1))
            {
                if (fields.Count < 3) continue;
                fileTotal++;
                if (classifier.Classify(new ArticleText("sib", "", fields[2])).Language == language) fileRight++;
            }
            right += fileRight;
            total += fileTotal;
            accuracy.Add(string.Create(inv, $"{language}{(name == "zho_Hant" ? "-Hant" : "")} {Ratio(fileRight, fileTotal):0.00}"));
        }
        if (total > 0)
        {
            text.AppendLine(inv, $"SIB-200 language identification (no hint, one sentence each): {right}/{total} = {Ratio(right, total):0.000}");
            text.AppendLine("  per language: " + string.Join("  ", accuracy));
        }
        return text.ToString();
    }

    private static HashSet<string> Countries(IArticleClassifier classifier, string sentence, string? language) =>
        classifier.Classify(new ArticleText("sib", "", sentence, language)).Countries.Select(c => c.Code).ToHashSet();

    private static double Ratio(int a, int b) => b == 0 ? 0 : (double)a / b;

    /// <summary>ISO alpha-3 → alpha-2 from the platform's region data (ICU), so no table has to ship.</summary>
    private static Dictionary<string, string> Alpha3ToAlpha2()
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var culture in CultureInfo.GetCultures(CultureTypes.SpecificCultures))
        {
            try
            {
                var region = new RegionInfo(culture.Name);
                if (region.TwoLetterISORegionName.Length == 2 && region.ThreeLetterISORegionName.Length == 3)
                {
                    map.TryAdd(region.ThreeLetterISORegionName, region.TwoLetterISORegionName);
                }
            }
            catch (ArgumentException)
            {
                // Cultures without a region.
            }
        }
        return map;
    }

    /// <summary>TAB-separated rows where a field may be wrapped in double quotes with inner quotes doubled.</summary>
    private static IEnumerable<List<string>> ReadQuotedTsv(string path)
    {
        var content = File.ReadAllText(path);
        var row = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < content.Length; i++)
        {
            var c = content[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < content.Length && content[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else field.Append(c);
            }
            else if (c == '"' && field.Length == 0) quoted = true;
            else if (c == '\t') { row.Add(field.ToString()); field.Clear(); }
            else if (c == '\n')
            {
                row.Add(field.ToString().TrimEnd('\r'));
                field.Clear();
                yield return row;
                row = [];
            }
            else field.Append(c);
        }
        if (field.Length > 0 || row.Count > 0)
        {
            row.Add(field.ToString());
            yield return row;
        }
    }
}
