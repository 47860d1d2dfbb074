using System.Globalization;

namespace Monitoring.FeedPoller.Conformance;

/// <summary>The pass rate of one suite.</summary>
public sealed record SuiteResult(string Suite, IReadOnlyList<Expectation> Expectations)
{
    public int Passed => Expectations.Count(e => e.Passed);
    public int Total => Expectations.Count;
    public int NotModelled => Expectations.Count(e => !e.Modelled);
    public double Rate => Total == 0 ? 0 : (double)Passed / Total;
    /// <summary>The rate over expectations about things this parser models (see <see cref="Expectation.Modelled"/>).</summary>
    public double ModelledRate => Total - NotModelled == 0 ? 0 : (double)Passed / (Total - NotModelled);
}

/// <summary>Every file of the corpus through the parser: each must parse or fail cleanly, within the time limit.</summary>
public sealed record SweepResult(int Files, int Parsed, int Refused, IReadOnlyList<string> Crashes, IReadOnlyList<string> Hangs);

/// <summary>
/// <c>conformance CORPUS [--failures]</c>: runs every suite found under CORPUS (or CORPUS/feed-conformance) against its
/// stated expectations, read in place, and prints the pass rate per suite; then passes every file under CORPUS
/// through the parser and reports any crash or hang. Exit code 1 when something crashed or hung, 2 on bad usage.
/// </summary>
public static class ConformanceCommand
{
    public static readonly IReadOnlyList<IConformanceSuite> Suites =
        [new FeedparserSuite(), new FeedRsSuite(), new GofeedSuite(), new RomeSuite(), new CodeHollowSuite(), new RssParserSuite()];

    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        if (args is ["--explain", var explained])
        {
            // What a feedparser expectation is evaluated against, for one file.
            var outcome = ParseOutcome.Of(explained);
            output.WriteLine(System.Text.Json.JsonSerializer.Serialize(FeedparserSuite.View(outcome), new System.Text.Json.JsonSerializerOptions
            {
                WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            }));
            return Task.FromResult(0);
        }
        var paths = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToList();
        if (paths.Count != 1 || !Directory.Exists(paths[0]))
        {
            error.WriteLine("usage: conformance CORPUS_FOLDER [--failures]   (e.g. ../shared/corpus/feed-conformance)");
            return Task.FromResult(2);
        }
        var corpus = Path.GetFullPath(paths[0]);
        var results = RunSuites(corpus);
        if (results.Count == 0) error.WriteLine($"no suite folder ({string.Join(", ", Suites.Select(s => s.Folder))}) under {corpus}");

        output.WriteLine($"{"suite",-24} {"passed",8} {"total",7} {"rate",7}   {"not modelled",12}  {"rate without them",17}");
        foreach (var result in results)
        {
            output.WriteLine(Line(result.Suite, result));
            if (result.Suite == "feedparser")
            {
                foreach (var group in result.Expectations.GroupBy(e => e.File.Split(Path.DirectorySeparatorChar)[0]).OrderBy(g => g.Key))
                    output.WriteLine(Line("  " + group.Key, new SuiteResult(group.Key, group.ToList())));
                output.WriteLine(Line("  wellformed+encoding", WellformedAndEncoding(result)));
            }
        }
        if (args.Contains("--failures"))
        {
            foreach (var result in results)
            foreach (var failed in result.Expectations.Where(e => !e.Passed))
                output.WriteLine($"FAIL {result.Suite} {failed.File}: {failed.What}{(failed.Modelled ? "" : " [not modelled]")}{(failed.Detail is null ? "" : " — " + failed.Detail.ReplaceLineEndings(" "))}");
        }

        var sweep = Sweep(corpus);
        output.WriteLine($"every file under {corpus}: {sweep.Files} files, {sweep.Parsed} parsed, {sweep.Refused} refused with a clear error, " +
                         $"{sweep.Crashes.Count} crashed, {sweep.Hangs.Count} hung (limit {ParseOutcome.Timeout.TotalSeconds:0} s each)");
        foreach (var crash in sweep.Crashes) output.WriteLine("CRASH " + crash);
        foreach (var hang in sweep.Hangs) output.WriteLine("HANG " + hang);
        return Task.FromResult(sweep.Crashes.Count + sweep.Hangs.Count > 0 ? 1 : 0);
    }

    /// <summary>feedparser's wellformed and encoding cases together: the figure the issue sets a target for.</summary>
    public static SuiteResult WellformedAndEncoding(SuiteResult feedparser) => new("feedparser wellformed+encoding",
        feedparser.Expectations.Where(e => e.File.StartsWith("wellformed", StringComparison.Ordinal) || e.File.StartsWith("encoding", StringComparison.Ordinal)).ToList());

    public static List<SuiteResult> RunSuites(string corpus)
    {
        var root = Directory.Exists(Path.Combine(corpus, "feed-conformance")) ? Path.Combine(corpus, "feed-conformance") : corpus;
        return Suites.Where(s => Directory.Exists(Path.Combine(root, s.Folder)))
            .Select(s => new SuiteResult(s.Name, s.Run(Path.Combine(root, s.Folder)).ToList()))
            .ToList();
    }

    public static SweepResult Sweep(string corpus)
    {
        int files = 0, parsed = 0, refused = 0;
        var crashes = new List<string>();
        var hangs = new List<string>();
        foreach (var file in Directory.EnumerateFiles(corpus, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            files++;
            var outcome = ParseOutcome.Of(file);
            if (outcome.Crashed) crashes.Add($"{file}: {outcome.Error}");
            else if (outcome.Hung) hangs.Add(file);
            else if (outcome.Document is null) refused++;
            else parsed++;
        }
        return new SweepResult(files, parsed, refused, crashes, hangs);
    }

    private static string Line(string name, SuiteResult result) => string.Create(CultureInfo.InvariantCulture,
        $"{name,-24} {result.Passed,8} {result.Total,7} {result.Rate,7:P1}   {result.NotModelled,12}  {result.ModelledRate,17:P1}");
}
