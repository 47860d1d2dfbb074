using Monitoring.FeedPoller;
using Monitoring.FeedPoller.Conformance;
using Monitoring.FeedPoller.Parsing;
using Monitoring.Hosting;

switch (args)
{
    case ["parse", ..]:
        return await ParseCommand.RunAsync(args[1..], Console.Out, Console.Error);
    case ["conformance", ..]:
        return await ConformanceCommand.RunAsync(args[1..], Console.Out, Console.Error);
}

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("monitoring-feedpoller", "http://127.0.0.1:5081");
builder.AddMonitoringBus(_ => { });
builder.AddFeedPoller();

var app = builder.Build();
app.MapServiceDefaults();
app.MapFeedPollerApi();
await app.RunAsync();
return 0;
