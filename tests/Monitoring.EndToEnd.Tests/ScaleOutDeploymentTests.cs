using System.Diagnostics;
using System.Globalization;
using Monitoring.Testing;
using YamlDotNet.RepresentationModel;

namespace Monitoring.EndToEnd.Tests;

/// <summary>
/// What deploy/ ships for scaling out, checked offline: the Kubernetes manifests (parsed, not applied to a cluster)
/// and the compose file's "scale" profile (read through docker-compose config, no engine needed), both running the
/// images of the one services/Dockerfile.
/// </summary>
public sealed class ScaleOutDeploymentTests
{
    private const long MemoryTargetBytes = 300L * 1024 * 1024;
    private static readonly string Root = TestServers.RepositoryRoot;
    private static readonly string Manifests = Path.Combine(Root, "deploy", "k8s");

    public static TheoryData<string, int> Services => new() { { "alerts", 5080 }, { "classifier", 5082 }, { "feedpoller", 5081 } };

    [Theory]
    [MemberData(nameof(Services))]
    public void Each_service_runs_in_two_replicas_with_probes_a_memory_budget_and_the_shared_config(string service, int port)
    {
        var documents = Documents();
        var deployment = Single(documents, "Deployment", service);
        Assert.True(int.Parse(Text(deployment, "spec", "replicas")) >= 2, $"{service} has fewer than two replicas");
        var labels = Map(deployment, "spec", "template", "metadata", "labels");
        Assert.All(Map(deployment, "spec", "selector", "matchLabels"), l => Assert.Equal(l.Value, labels[l.Key]));

        var container = Assert.Single(List(deployment, "spec", "template", "spec", "containers")).AsMap();
        Assert.Equal("monitoring-" + service, Text(container, "image"));
        var http = Assert.Single(List(container, "ports"), p => Text(p.AsMap(), "name") == "http").AsMap();
        Assert.Equal(port.ToString(CultureInfo.InvariantCulture), Text(http, "containerPort"));
        Assert.Contains(List(container, "env"), e => Text(e.AsMap(), "name") == "ASPNETCORE_URLS" && Text(e.AsMap(), "value") == $"http://0.0.0.0:{port}");
        var envFrom = List(container, "envFrom").Select(e => e.AsMap()).ToList();
        Assert.Contains(envFrom, e => e.ContainsKey("configMapRef") && Text(e, "configMapRef", "name") == "monitoring-config");
        Assert.Contains(envFrom, e => e.ContainsKey("secretRef") && Text(e, "secretRef", "name") == "monitoring-secrets");

        Assert.Equal("/health/ready", Text(container, "readinessProbe", "httpGet", "path"));
        Assert.Equal("http", Text(container, "readinessProbe", "httpGet", "port"));
        Assert.Equal("/health/live", Text(container, "livenessProbe", "httpGet", "path"));

        Assert.NotEmpty(Text(container, "resources", "requests", "cpu"));
        Assert.InRange(Bytes(Text(container, "resources", "requests", "memory")), 1, MemoryTargetBytes);
        Assert.InRange(Bytes(Text(container, "resources", "limits", "memory")), 1, MemoryTargetBytes);

        var kubernetesService = Single(documents, "Service", service);
        Assert.All(Map(kubernetesService, "spec", "selector"), l => Assert.Equal(l.Value, labels[l.Key]));
        var servicePort = Assert.Single(List(kubernetesService, "spec", "ports")).AsMap();
        Assert.Equal(port.ToString(CultureInfo.InvariantCulture), Text(servicePort, "port"));
        Assert.Equal("http", Text(servicePort, "targetPort"));
    }

    [Fact]
    public void The_shared_config_sets_quorum_queues_and_the_hot_cold_daemon_and_names_only_settings_the_services_read()
    {
        var documents = Documents();
        var config = Map(Single(documents, "ConfigMap", "monitoring-config"), "data");
        var secret = Map(Single(documents, "Secret", "monitoring-secrets"), "stringData");
        Assert.Equal("1", config["MONITORING_QUORUM_QUEUES"].AsText());
        Assert.Equal("hotcold", config["MONITORING_DAEMON_MODE"].AsText());
        Assert.Superset(new HashSet<string> { "MONITORING_POSTGRES", "MONITORING_RABBITMQ", "MONITORING_API_KEY" }, secret.Keys.ToHashSet());

        var sources = string.Concat(Directory.EnumerateFiles(Path.Combine(Root, "services"), "*.cs", SearchOption.AllDirectories).Select(File.ReadAllText));
        Assert.All(config.Keys.Concat(secret.Keys).Where(k => k.StartsWith("MONITORING_")),
            name => Assert.True(sources.Contains('"' + name + '"'), $"{name} is set in deploy/k8s but no service reads it"));
    }

    [Fact]
    public void The_kustomization_lists_every_manifest_and_each_exists()
    {
        var kustomization = Load(Path.Combine(Manifests, "kustomization.yaml")).Single();
        var resources = List(kustomization, "resources").Select(r => r.AsText()).ToHashSet();
        var files = Directory.EnumerateFiles(Manifests, "*.yaml").Select(Path.GetFileName).Where(f => f != "kustomization.yaml").ToHashSet();
        Assert.Equal(files.Order(), resources.Order());
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task Compose_builds_each_service_from_the_one_Dockerfile_and_its_scale_profile_adds_a_second_replica_with_the_same_image_and_settings(
        string service, int port)
    {
        var services = Map(Load(await ComposeAsync("config")).Single(), "services");
        var first = services[service].AsMap();
        var second = services[service + "-2"].AsMap();

        Assert.False(first.ContainsKey("profiles"), $"{service} must run without a profile");
        Assert.Equal(["scale"], List(second, "profiles").Select(p => p.AsText()));
        Assert.Equal("services/Dockerfile", Text(first, "build", "dockerfile"));
        var project = Text(first, "build", "args", "SERVICE");
        Assert.True(File.Exists(Path.Combine(Root, "services", project, $"Monitoring.{project}.csproj")), $"SERVICE={project} names no service project");
        Assert.Equal(service, project.ToLowerInvariant());
        Assert.Equal(port.ToString(CultureInfo.InvariantCulture), Text(first, "build", "args", "PORT"));
        // The image the Kubernetes manifests run.
        Assert.Equal("monitoring-" + service, Text(first, "image"));

        Assert.Equal(Text(first, "image"), Text(second, "image"));
        Assert.Equal(Map(first, "build", "args").Select(a => (a.Key, a.Value.AsText())).Order(),
            Map(second, "build", "args").Select(a => (a.Key, a.Value.AsText())).Order());
        Assert.Equal(Map(first, "environment").Select(e => (e.Key, e.Value.AsText())).Order(),
            Map(second, "environment").Select(e => (e.Key, e.Value.AsText())).Order());
    }

    [Fact]
    public void One_Dockerfile_builds_every_service_from_its_SERVICE_and_PORT_arguments()
    {
        var dockerfile = File.ReadAllText(Path.Combine(Root, "services", "Dockerfile"));
        Assert.Contains("ARG SERVICE", dockerfile);
        Assert.Contains("ARG PORT", dockerfile);
        Assert.Contains("dotnet publish \"services/$SERVICE/Monitoring.$SERVICE.csproj\"", dockerfile);
        Assert.Contains("ASPNETCORE_URLS=http://0.0.0.0:${PORT}", dockerfile);
        Assert.Equal([Path.Combine(Root, "services", "Dockerfile")],
            Directory.EnumerateFiles(Path.Combine(Root, "services"), "Dockerfile", SearchOption.AllDirectories));
    }

    private static async Task<string> ComposeAsync(params string[] arguments)
    {
        var docker = !await CommandExistsAsync("docker-compose");
        var start = new ProcessStartInfo(docker ? "docker" : "docker-compose")
        {
            WorkingDirectory = Root, RedirectStandardError = true, RedirectStandardOutput = true,
        };
        if (docker) start.ArgumentList.Add("compose");
        foreach (var argument in new[] { "-f", "docker-compose.yml" }.Concat(arguments)) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"compose {string.Join(' ', arguments)} failed: {errors}");
        return await output;
    }

    private static async Task<bool> CommandExistsAsync(string name)
    {
        using var which = Process.Start(new ProcessStartInfo("sh", ["-c", $"command -v {name}"]) { RedirectStandardOutput = true })!;
        await which.WaitForExitAsync();
        return which.ExitCode == 0;
    }

    private static List<Dictionary<string, object?>> Documents() =>
        Directory.EnumerateFiles(Manifests, "*.yaml").Where(f => Path.GetFileName(f) != "kustomization.yaml").SelectMany(f => Load(File.ReadAllText(f))).ToList();

    private static IEnumerable<Dictionary<string, object?>> Load(string yaml)
    {
        if (File.Exists(yaml)) yaml = File.ReadAllText(yaml);
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return stream.Documents.Select(d => (Dictionary<string, object?>)Plain(d.RootNode)!);
    }

    private static object? Plain(YamlNode node) => node switch
    {
        YamlMappingNode map => map.Children.ToDictionary(c => ((YamlScalarNode)c.Key).Value!, c => Plain(c.Value)),
        YamlSequenceNode sequence => sequence.Children.Select(Plain).ToList(),
        YamlScalarNode scalar => scalar.Value,
        _ => throw new InvalidDataException($"unexpected YAML node {node.NodeType}"),
    };

    private static Dictionary<string, object?> Single(List<Dictionary<string, object?>> documents, string kind, string name) =>
        Assert.Single(documents, d => d["kind"].AsText() == kind && Text(d, "metadata", "name") == name);

    private static object? At(Dictionary<string, object?> map, string[] path)
    {
        object? node = map;
        foreach (var key in path) node = node.AsMap().TryGetValue(key, out var next) ? next : throw new KeyNotFoundException($"no '{key}' in {string.Join('.', path)}");
        return node;
    }

    private static string Text(Dictionary<string, object?> map, params string[] path) => At(map, path).AsText();

    private static Dictionary<string, object?> Map(Dictionary<string, object?> map, params string[] path) => At(map, path).AsMap();

    private static List<object?> List(Dictionary<string, object?> map, params string[] path) =>
        At(map, path) as List<object?> ?? throw new InvalidDataException($"{string.Join('.', path)} is not a list");

    /// <summary>A Kubernetes quantity such as 300Mi, 1Gi or 256M in bytes.</summary>
    private static long Bytes(string quantity)
    {
        var units = new (string Suffix, long Factor)[] { ("Ki", 1L << 10), ("Mi", 1L << 20), ("Gi", 1L << 30), ("k", 1000), ("M", 1000_000), ("G", 1000_000_000) };
        foreach (var (suffix, factor) in units)
        {
            if (quantity.EndsWith(suffix, StringComparison.Ordinal)) return long.Parse(quantity[..^suffix.Length], CultureInfo.InvariantCulture) * factor;
        }
        return long.Parse(quantity, CultureInfo.InvariantCulture);
    }
}

internal static class YamlValues
{
    public static Dictionary<string, object?> AsMap(this object? node) =>
        node as Dictionary<string, object?> ?? throw new InvalidDataException($"expected a mapping, got {node}");

    public static string AsText(this object? node) => node as string ?? throw new InvalidDataException($"expected a scalar, got {node}");
}
