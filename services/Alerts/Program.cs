using MassTransit;
using JasperFx;
using Monitoring.Alerts;
using Monitoring.Alerts.Articles;
using Monitoring.Alerts.FeedHealth;
using Monitoring.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("monitoring-alerts", "http://127.0.0.1:5080", "Marten");
builder.AddAlertStore();
builder.AddMonitoringBus(bus =>
{
    bus.AddConsumer<ArticleClassifiedConsumer, ArticleClassifiedConsumerDefinition>();
    bus.AddConsumer<ArticlesClassifiedConsumer, ArticlesClassifiedConsumerDefinition>();
    bus.AddConsumer<FeedHealthChangedConsumer, FeedHealthChangedConsumerDefinition>();
});
builder.Host.ApplyJasperFxExtensions();

var app = builder.Build();
app.MapServiceDefaults();
app.MapAlertsApi();
return await app.RunJasperFxCommands(args);
