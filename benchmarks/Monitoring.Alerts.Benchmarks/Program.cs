using System.Diagnostics;
using Monitoring.Alerts.Benchmarks;

// Load runs of the Alerts service on the real PostgreSQL and RabbitMQ named by MONITORING_POSTGRES and
// MONITORING_RABBITMQ (deploy/bench.sh starts throwaway ones). Each run uses a schema and virtual host of its own.
//   dotnet run -c Release --project benchmarks/Monitoring.Alerts.Benchmarks -- [ingest|bus|rebuild|sse|stories|all] [--articles N] [--clients N]
var mode = args.FirstOrDefault(a => !a.StartsWith("--")) ?? "all";
var articles = Option(args, "--articles", 50_000);
var clients = Option(args, "--clients", 500);

Console.WriteLine($"Monitoring Alerts load runs — {Environment.ProcessorCount} cores, .NET {Environment.Version}, {DateTime.UtcNow:u}");
var total = Stopwatch.StartNew();
await using var bench = await AlertsBench.StartAsync();
if (mode is "ingest" or "all" or "rebuild") await bench.IngestAsync(articles);
if (mode is "bus" or "all") await bench.IngestThroughBusAsync(Math.Min(articles, 20_000));
if (mode is "rebuild" or "all") await bench.RebuildAsync();
if (mode is "sse" or "all") await bench.SseFanOutAsync(clients, alerts: 200);
if (mode is "consistency") await bench.ConsistencyAsync(Option(args, "--rounds", 50));
if (mode is "stories" or "all") await bench.StoriesAsync(Math.Min(articles, 20_000));
Console.WriteLine($"done in {total.Elapsed.TotalSeconds:0.0} s");
return 0;

static int Option(string[] args, string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length && int.TryParse(args[index + 1], out var value) ? value : fallback;
}
