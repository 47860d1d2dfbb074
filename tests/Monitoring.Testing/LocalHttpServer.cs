using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Monitoring.Testing;

/// <summary>A real HTTP server on 127.0.0.1 (Kestrel) whose answers a test decides, e.g. to serve feeds.</summary>
public sealed class LocalHttpServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LocalHttpServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public int RequestCount;

    /// <param name="address">The loopback address to listen on: 127.0.0.2, 127.0.0.3 ... give distinct hosts on one machine.</param>
    public static async Task<LocalHttpServer> StartAsync(RequestDelegate handler, string address = "127.0.0.1")
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://{address}:0");
        var app = builder.Build();
        LocalHttpServer? server = null;
        app.Run(async context =>
        {
            Interlocked.Increment(ref server!.RequestCount);
            await handler(context);
        });
        await app.StartAsync();
        var listening = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new LocalHttpServer(app, new Uri(listening + "/"));
        return server;
    }

    public Uri Url(string path) => new(BaseAddress, path.TrimStart('/'));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
