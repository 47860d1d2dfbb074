using MassTransit;
using Monitoring.Classifier;
using Monitoring.Hosting;

if (args is ["classify", ..])
{
    return await ClassifyCommand.RunAsync(Console.In, Console.Out);
}
if (args is ["eval", .. var evalArgs])
{
    return EvalCommand.Run(evalArgs, Console.Out);
}

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("monitoring-classifier", "http://127.0.0.1:5082");
builder.AddClassifier();
builder.AddMonitoringBus(bus =>
{
    bus.AddConsumer<ArticleFetchedConsumer, ArticleFetchedConsumerDefinition>();
    bus.AddConsumer<ArticlesFetchedConsumer, ArticlesFetchedConsumerDefinition>();
});

var app = builder.Build();
app.MapServiceDefaults();
await app.RunAsync();
return 0;
