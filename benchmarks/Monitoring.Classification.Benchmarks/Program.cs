using BenchmarkDotNet.Running;
using Monitoring.Classification;
using Monitoring.Classification.Benchmarks;

// dotnet run -c Release --project benchmarks/Monitoring.Classification.Benchmarks [-- BenchmarkDotNet options]
var articles = RealisticArticles.Build(ClassifyBenchmarks.Articles);
Console.WriteLine($"{articles.Length} articles, {articles.Min(a => a.Title.Length + a.Text.Length)}–{articles.Max(a => a.Title.Length + a.Text.Length)} chars, " +
                  $"{articles.Select(a => a.Id.Split('-')[0]).Distinct().Count()} languages");
var cold = new MultilingualClassifier();
Console.WriteLine($"cold load (first in this process, JIT included): {cold.LoadTime.TotalMilliseconds:0} ms");
foreach (var article in articles) cold.Classify(article);
Console.WriteLine($"articles whose language Lingua decided: {cold.LinguaDecisions} of {articles.Length}");
BenchmarkSwitcher.FromAssembly(typeof(ClassifyBenchmarks).Assembly).Run(args.Length == 0 ? ["--filter", "*"] : args);
