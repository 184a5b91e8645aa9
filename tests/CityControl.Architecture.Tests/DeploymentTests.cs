using CityControl.Testing;
using YamlDotNet.RepresentationModel;

namespace CityControl.Tests.Architecture;

/// <summary>The Kubernetes manifests agree with the hosts they run: a stop gets the time the host's bounded shutdown needs.</summary>
public sealed class DeploymentTests
{
    [Fact]
    public void The_pods_grace_period_covers_the_pre_stop_pause_and_the_hosts_whole_bounded_stop()
    {
        var statefulSet = Documents().Single(d => Text(d, "kind") == "StatefulSet");
        var pod = Map(Map(Map(statefulSet, "spec"), "template"), "spec");
        var container = (YamlMappingNode)((YamlSequenceNode)pod.Children["containers"]).Children.Single();
        var env = ((YamlSequenceNode)container.Children["env"]).Children.Cast<YamlMappingNode>()
            .Where(e => e.Children.ContainsKey("value"))
            .ToDictionary(e => Text(e, "name"), e => Text(e, "value"));

        var grace = TimeSpan.FromSeconds(int.Parse(Text(pod, "terminationGracePeriodSeconds")));
        var preStop = TimeSpan.FromSeconds(int.Parse(Text(Map(Map(Map(container, "lifecycle"), "preStop"), "sleep"), "seconds")));
        var shutdown = TimeSpan.Parse(env["CityControl__ShutdownTimeout"]);

        // The host stops its services within the shutdown timeout and exits on its own at most ShutdownDeadline.Grace later.
        Assert.True(grace >= preStop + shutdown + ServiceDefaults.ShutdownDeadline.Grace + TimeSpan.FromSeconds(5),
            $"grace {grace} for a pre-stop pause of {preStop}, a shutdown of {shutdown} and {ServiceDefaults.ShutdownDeadline.Grace} to exit");

        // Each pod's journal is named after the pod, which a StatefulSet keeps across restarts: a pod that comes back replays its own tail.
        Assert.Equal("$(POD_NAME)", env["CityControl__Ingest__JournalName"]);
        Assert.Equal("$(POD_IP)", env["CityControl__Silo__AdvertisedAddress"]);
        Assert.Equal("/healthz", Text(Map(Map(container, "readinessProbe"), "httpGet"), "path"));
    }

    private static List<YamlMappingNode> Documents()
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(Path.Combine(RepoPaths.Root, "deploy", "kubernetes", "citycontrol.yaml"));
        stream.Load(reader);
        return [.. stream.Documents.Select(d => (YamlMappingNode)d.RootNode)];
    }

    private static YamlMappingNode Map(YamlMappingNode node, string key) => (YamlMappingNode)node.Children[key];

    private static string Text(YamlMappingNode node, string key) => ((YamlScalarNode)node.Children[key]).Value!;
}
