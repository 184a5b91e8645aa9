using CityControl.Testing;
using YamlDotNet.RepresentationModel;

namespace CityControl.Tests.Architecture;

/// <summary>The Kubernetes manifests agree with the hosts they run: separate workloads of one cluster, and a stop gets the time the host's bounded shutdown needs.</summary>
public sealed class DeploymentTests
{
    [Fact]
    public void Each_pods_grace_period_covers_the_pre_stop_pause_and_the_hosts_whole_bounded_stop()
    {
        foreach (var name in new[] { "citycontrol-silo", "citycontrol-web" })
        {
            var (pod, container, env) = Workload(name);
            var grace = TimeSpan.FromSeconds(int.Parse(Text(pod, "terminationGracePeriodSeconds")));
            var preStop = TimeSpan.FromSeconds(int.Parse(Text(Map(Map(Map(container, "lifecycle"), "preStop"), "sleep"), "seconds")));
            var shutdown = TimeSpan.Parse(env["CityControl__ShutdownTimeout"]);

            // The host stops its services within the shutdown timeout and exits on its own at most ShutdownDeadline.Grace later.
            Assert.True(grace >= preStop + shutdown + ServiceDefaults.ShutdownDeadline.Grace + TimeSpan.FromSeconds(5),
                $"{name}: grace {grace} for a pre-stop pause of {preStop}, a shutdown of {shutdown} and {ServiceDefaults.ShutdownDeadline.Grace} to exit");
            Assert.Equal("/healthz", Text(Map(Map(container, "readinessProbe"), "httpGet"), "path"));
        }
    }

    [Fact]
    public void Silos_front_ends_and_video_workers_are_separate_workloads_of_one_cluster()
    {
        var (siloPod, silo, siloEnv) = Workload("citycontrol-silo");
        var (webPod, web, webEnv) = Workload("citycontrol-web");
        var (_, video, videoEnv) = Workload("citycontrol-video");

        // Each runs its own host from the one image.
        Assert.Contains("/app/silo/CityControl.Silo.dll", Strings(silo, "command"));
        Assert.False(web.Children.ContainsKey("command"), "front ends run the image's entry point, the web host");
        Assert.Contains("/app/video/CityControl.VideoAnalytics.dll", Strings(video, "command"));

        // One cluster: the same cluster and service ids everywhere, and Orleans' Kubernetes hosting in the silos reads
        // them from the silo pods' labels, which must say the same.
        foreach (var env in new[] { siloEnv, webEnv, videoEnv })
        {
            Assert.Equal(siloEnv["CityControl__Silo__ClusterId"], env["CityControl__Silo__ClusterId"]);
            Assert.Equal(siloEnv["CityControl__Silo__ServiceId"], env["CityControl__Silo__ServiceId"]);
        }

        var labels = Map(Map(Map(Deployment("citycontrol-silo"), "spec"), "template"), "metadata");
        Assert.Equal(siloEnv["CityControl__Silo__ClusterId"], Text(Map(labels, "labels"), "orleans/clusterId"));
        Assert.Equal(siloEnv["CityControl__Silo__ServiceId"], Text(Map(labels, "labels"), "orleans/serviceId"));
        Assert.Equal("true", siloEnv["CityControl__Silo__Kubernetes"]);
        Assert.Equal("$(POD_IP)", siloEnv["CityControl__Silo__AdvertisedAddress"]);

        // Front ends are Orleans clients, each journaling under its pod's own name (a survivor replays a dead pod's journal).
        Assert.Equal("false", webEnv["CityControl__CoHostSilo"]);
        Assert.Equal("$(POD_NAME)", webEnv["CityControl__Ingest__JournalName"]);
        Assert.False(webPod.Children.ContainsKey("volumes"), "front ends keep nothing on local disk");
        Assert.False(siloPod.Children.ContainsKey("volumes"), "silos keep nothing on local disk");

        // The load balancer sends users to the front ends only; the silos' pods may read the pods they watch.
        var service = Documents().Single(d => Text(d, "kind") == "Service" && Text(Map(d, "metadata"), "name") == "citycontrol");
        Assert.Equal("citycontrol-web", Text(Map(Map(service, "spec"), "selector"), "app"));
        var role = Documents().Single(d => Text(d, "kind") == "Role");
        var rule = (YamlMappingNode)((YamlSequenceNode)role.Children["rules"]).Children.Single();
        Assert.Contains("watch", Strings(rule, "verbs"));
        var binding = Documents().Single(d => Text(d, "kind") == "RoleBinding");
        var subject = (YamlMappingNode)((YamlSequenceNode)binding.Children["subjects"]).Children.Single();
        Assert.Equal(Text(siloPod, "serviceAccountName"), Text(subject, "name"));
    }

    private static YamlMappingNode Deployment(string name) =>
        Documents().Single(d => Text(d, "kind") == "Deployment" && Text(Map(d, "metadata"), "name") == name);

    private static (YamlMappingNode Pod, YamlMappingNode Container, Dictionary<string, string> Env) Workload(string name)
    {
        var pod = Map(Map(Map(Deployment(name), "spec"), "template"), "spec");
        var container = (YamlMappingNode)((YamlSequenceNode)pod.Children["containers"]).Children.Single();
        var env = ((YamlSequenceNode)container.Children["env"]).Children.Cast<YamlMappingNode>()
            .Where(e => e.Children.ContainsKey("value"))
            .ToDictionary(e => Text(e, "name"), e => Text(e, "value"));
        return (pod, container, env);
    }

    private static List<string> Strings(YamlMappingNode node, string key) =>
        [.. ((YamlSequenceNode)node.Children[key]).Children.Select(c => ((YamlScalarNode)c).Value!)];

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
