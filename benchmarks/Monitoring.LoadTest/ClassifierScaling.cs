using System.Diagnostics;
using System.Globalization;
using MassTransit;
using Monitoring.Contracts;
using Monitoring.Hosting;
using Monitoring.Testing;
using RabbitMQ.Client;

namespace Monitoring.LoadTest;

/// <summary>
/// deploy/bench.sh classifiers: how the Classifier scales with replicas on this machine. For each replica count, a
/// queue of <c>--articles</c> ArticleFetched (generated multilingual security news, 2–3 KB each) in batches of
/// <see cref="BatchSize"/> (ArticlesFetched, as the FeedPoller publishes a poll's articles) is filled while no classifier
/// runs, then that many Classifier processes start together as competing consumers; the time for the middle 80 % of the
/// articles to come out (ArticlesClassified batches) is the sustained rate (process start-up and the tail are left out).
/// Also reported: CPU milliseconds per article of the classifiers and of the RabbitMQ node (utime + stime from /proc, over
/// the same window; the broker's only when it runs on this machine), how busy the whole machine was, and the load average.
/// </summary>
internal static class ClassifierScaling
{
    private const string Classified = "Monitoring.Contracts:ArticlesClassified"; // MassTransit's exchange for the message type
    private const string Queue = "classifier-articles-fetched";

    /// <summary>Articles per message: about what one poll of a busy feed brings.</summary>
    private const int BatchSize = 10;

    public static async Task<int> RunAsync(Options options)
    {
        var articles = options.Int("--articles", 20_000);
        var replicaCounts = (options.Text("--replicas") ?? "1,2").Split(',').Select(r => int.Parse(r, CultureInfo.InvariantCulture)).ToList();
        var repeat = options.Int("--repeat", 1);
        Console.WriteLine($"classifier scaling: {articles:N0} queued articles per run, replicas {string.Join(" → ", replicaCounts)}, " +
                          $"{repeat} run(s) each; {Environment.ProcessorCount} cores; load average {LoadAverage()}");
        var generator = new ArticleGenerator(options.Int("--seed", 42));
        var fetchedAt = DateTimeOffset.UtcNow;
        var messages = Enumerable.Range(0, articles).Select(i =>
        {
            var a = generator.Article(i, fetchedAt);
            return new ArticleFetched($"scale-{i:D6}", 1, "https://load.example/rss", "Load", $"https://load.example/{i}", a.Title, a.Text,
                null, a.Published, fetchedAt, $"hash-{i}");
        }).ToList();

        var rows = new List<string>();
        for (var run = 0; run < repeat; run++)
        {
            foreach (var replicas in replicaCounts)
            {
                var result = await MeasureAsync(replicas, messages);
                var broker = result.BrokerMsPerArticle is { } b ? $"{b:F3} ms" : "n/a";
                Console.WriteLine($"  {replicas} replica(s): {result.Rate:N0} articles/s sustained (10 %→90 %), all {articles:N0} out " +
                                  $"{result.AllOut.TotalSeconds:F1} s after start; CPU per article: classifier {result.ClassifierMsPerArticle:F3} ms " +
                                  $"({result.ClassifierCores:F2} cores busy), RabbitMQ {broker}; machine {result.MachineBusy:P0} busy; " +
                                  $"load average {result.LoadAverage}; " +
                                  $"per-replica RSS {string.Join("/", result.RssMb.Select(m => m.ToString("F0", CultureInfo.InvariantCulture)))} MB");
                rows.Add($"| {replicas} | {result.Rate:N0} | {result.AllOut.TotalSeconds:F1} s | {result.ClassifierCores:F2} | {result.ClassifierMsPerArticle:F3} ms | " +
                         $"{broker} | {result.MachineBusy:P0} | {result.LoadAverage} |");
            }
        }
        Console.WriteLine("\n| replicas | articles/s (10→90 %) | all out after start | classifier cores busy | classifier CPU per article | " +
                          "RabbitMQ CPU per article | machine busy | load average (1, 5, 15 min) |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        foreach (var row in rows) Console.WriteLine(row);
        return 0;
    }

    private sealed record Result(double Rate, TimeSpan AllOut, double ClassifierMsPerArticle, double ClassifierCores, double? BrokerMsPerArticle,
        double MachineBusy, string LoadAverage, IReadOnlyList<double> RssMb);

    private static async Task<Result> MeasureAsync(int replicas, IReadOnlyList<ArticleFetched> messages)
    {
        await using var broker = await RabbitMqVirtualHost.CreateAsync("classifiers");
        var environment = new Dictionary<string, string>
        {
            ["MONITORING_RABBITMQ"] = broker.AmqpUri.ToString(),
            ["MONITORING_TELEMETRY"] = "none",
        };

        // What comes out is counted in a queue of our own bound to the ArticleClassified exchange, with no consumer.
        await using var connection = await new ConnectionFactory { Uri = broker.AmqpUri }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync(Classified, ExchangeType.Fanout, durable: true, autoDelete: false);
        await channel.QueueDeclareAsync("bench-classified", durable: true, exclusive: false, autoDelete: false);
        await channel.QueueBindAsync("bench-classified", Classified, "");

        // One classifier declares its queue and stops; the queue then fills with nobody consuming.
        await using (var first = ServiceProcess.Start("Classifier", environment))
        {
            await first.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));
            await WaitAsync(async () => (await broker.QueuesAsync()).Any(q => q.Name == Queue && q.Consumers == 1), TimeSpan.FromSeconds(30));
        }
        var bus = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            var uri = broker.AmqpUri;
            cfg.Host(uri.Host, (ushort)uri.Port, MonitoringBus.VirtualHost(uri), h => { h.Username("guest"); h.Password("guest"); });
            cfg.ConfigureJsonSerializerOptions(MonitoringJson.Configure);
        });
        await bus.StartAsync();
        try
        {
            foreach (var round in messages.Chunk(BatchSize).Chunk(50))
                await Task.WhenAll(round.Select(batch => bus.Publish(new ArticlesFetched(batch))));
        }
        finally
        {
            await bus.StopAsync();
        }
        await WaitAsync(async () => (await channel.QueueDeclarePassiveAsync(Queue)).MessageCount == (messages.Count + BatchSize - 1) / BatchSize, TimeSpan.FromSeconds(60));

        var brokerPid = ProcessCpu.ListeningOn(broker.AmqpUri.Port);
        var started = Stopwatch.StartNew();
        var processes = Enumerable.Range(0, replicas).Select(_ => ServiceProcess.Start("Classifier", environment)).ToList();
        try
        {
            var n = messages.Count;
            TimeSpan? t10 = null, t90 = null;
            double cpu10 = 0, cpu90 = 0, brokerCpu10 = 0, brokerCpu90 = 0;
            double ClassifierCpu() => processes.Sum(p => ProcessCpu.Seconds(p.ProcessId));
            (long Busy, long Total) machine10 = default, machine90 = default;
            var deadline = DateTime.UtcNow.AddMinutes(5);
            while (DateTime.UtcNow < deadline)
            {
                var done = (await channel.QueueDeclarePassiveAsync("bench-classified")).MessageCount * BatchSize;
                if (t10 is null && done >= n / 10)
                    (t10, cpu10, brokerCpu10, machine10) = (started.Elapsed, ClassifierCpu(), ProcessCpu.Seconds(brokerPid), MachineTicks());
                if (t90 is null && done >= n * 9 / 10)
                    (t90, cpu90, brokerCpu90, machine90) = (started.Elapsed, ClassifierCpu(), ProcessCpu.Seconds(brokerPid), MachineTicks());
                if (done >= n) break;
                await Task.Delay(25);
            }
            var allOut = started.Elapsed;
            if (t10 is null || t90 is null) throw new TimeoutException($"the classifiers did not get through {n} articles in 5 minutes");
            var window = (t90.Value - t10.Value).TotalSeconds;
            var classified = n * 9 / 10 - n / 10;
            var rss = processes.Select(p => ProcessMemory.Read(p.ProcessId).RssMb).ToList();
            return new Result(classified / window, allOut, (cpu90 - cpu10) / classified * 1000, (cpu90 - cpu10) / window,
                brokerPid is null ? null : (brokerCpu90 - brokerCpu10) / classified * 1000,
                (double)(machine90.Busy - machine10.Busy) / (machine90.Total - machine10.Total), LoadAverage(), rss);
        }
        finally
        {
            foreach (var process in processes) await process.DisposeAsync();
        }
    }

    /// <summary>The whole machine's busy and total CPU ticks so far (/proc/stat), whoever used them.</summary>
    private static (long Busy, long Total) MachineTicks()
    {
        var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
        var idle = cpu[3] + cpu[4];
        var total = cpu.Take(8).Sum();
        return (total - idle, total);
    }

    private static string LoadAverage() => string.Join(", ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    private static async Task WaitAsync(Func<Task<bool>> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await done())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("not reached in time");
            await Task.Delay(100);
        }
    }
}
