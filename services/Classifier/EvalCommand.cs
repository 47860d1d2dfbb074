using Monitoring.Classification;
using Monitoring.Classification.Evaluation;

namespace Monitoring.Classifier;

/// <summary>
/// <c>eval [ARTICLES.jsonl] [--mistakes]</c>: measures the classifier on the labelled evaluation set (by default
/// tests/Fixtures/classification-eval/articles.jsonl under the current directory) and prints per-language and
/// per-topic precision and recall; then, when ../shared/corpus/labelled-text exists (or MONITORING_CORPUS names
/// it), figures on third-party corpora, read in place: PLOVER actor-country and topic recall, SIB-200 consistency.
/// </summary>
public static class EvalCommand
{
    public const string DefaultSet = "tests/Fixtures/classification-eval/articles.jsonl";

    public static int Run(string[] args, TextWriter output)
    {
        var path = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? DefaultSet;
        if (!File.Exists(path))
        {
            Console.Error.WriteLine($"eval: no evaluation set at {Path.GetFullPath(path)} (run from the repository root or pass a path)");
            return 1;
        }
        var classifier = new MultilingualClassifier();
        output.WriteLine($"classifier {classifier.Version}: {classifier.GazetteerForms} gazetteer forms, {classifier.LexiconTerms} lexicon terms, loaded in {classifier.LoadTime.TotalMilliseconds:0} ms");
        var evaluation = new ClassifierEvaluation(classifier, LabelledArticle.Load(path));
        output.Write(evaluation.Report(args.Contains("--mistakes")));

        var corpus = CorpusFigures.Locate();
        output.WriteLine();
        if (corpus is null)
        {
            output.WriteLine("third-party corpora: ../shared/corpus/labelled-text not found (set MONITORING_CORPUS to its path); skipped");
        }
        else
        {
            output.WriteLine($"third-party corpora (read in place from {corpus}; printed, not asserted):");
            output.Write(CorpusFigures.Report(classifier, corpus));
        }
        return 0;
    }
}
