using System.Xml.Linq;
using ArchUnitNET.Domain;
using ArchUnitNET.Fluent;
using ArchUnitNET.Loader;
using ArchUnitNET.xUnitV3;
using CityControl.Testing;
using static ArchUnitNET.Fluent.ArchRuleDefinition;

namespace CityControl.Tests.Layers;

/// <summary>
/// The arrows of docs/architecture.md: hosts use grains only through their interfaces, rules know nothing of Orleans or
/// ASP.NET, contracts depend on nothing of ours. A forbidden reference fails the build of main here.
/// </summary>
public sealed class LayerTests
{
    private static readonly System.Reflection.Assembly RulesAssembly = typeof(Rules.CityClock).Assembly;
    private static readonly System.Reflection.Assembly ContractsAssembly = typeof(Devices.IDeviceGrain).Assembly;
    private static readonly System.Reflection.Assembly GrainsAssembly = typeof(Grains.Devices.DeviceGrain).Assembly;
    private static readonly System.Reflection.Assembly SiloAssembly = typeof(Silo.SiloConfiguration).Assembly;
    private static readonly System.Reflection.Assembly WebAssembly = typeof(Web.Hosting.PlatformApp).Assembly;
    private static readonly System.Reflection.Assembly VideoAssembly = typeof(Video.Analysis.FrameAnalyzer).Assembly;
    private static readonly System.Reflection.Assembly SimulatorAssembly = typeof(Simulator.FieldGateway).Assembly;

    private static readonly System.Reflection.Assembly[] Ours = [RulesAssembly, ContractsAssembly, GrainsAssembly, SiloAssembly, WebAssembly, VideoAssembly, SimulatorAssembly];

    /// <summary>Ours, and the Orleans and ASP.NET Core assemblies they reference, so that a dependency on those is seen as one.</summary>
    private static readonly ArchUnitNET.Domain.Architecture City = new ArchLoader()
        .LoadAssemblies([.. Ours, .. Ours
            .SelectMany(a => a.GetReferencedAssemblies())
            .Where(n => n.Name is { } name && (name.StartsWith("Orleans", StringComparison.Ordinal) || name.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal)))
            .DistinctBy(n => n.Name)
            .Select(System.Reflection.Assembly.Load)])
        .Build();

    private static readonly IObjectProvider<IType> Rules = Types().That().ResideInAssembly(RulesAssembly).As("the rules");
    private static readonly IObjectProvider<IType> Contracts = Types().That().ResideInAssembly(ContractsAssembly).As("the contracts");
    private static readonly IObjectProvider<IType> GrainTypes = Types().That().ResideInAssembly(GrainsAssembly).As("the grains");
    private static readonly IObjectProvider<IType> SiloTypes = Types().That().ResideInAssembly(SiloAssembly).As("the silo host");
    private static readonly IObjectProvider<IType> WebTypes = Types().That().ResideInAssembly(WebAssembly).As("the web front end");
    private static readonly IObjectProvider<IType> VideoTypes = Types().That().ResideInAssembly(VideoAssembly).As("the video worker");
    private static readonly IObjectProvider<IType> SimulatorTypes = Types().That().ResideInAssembly(SimulatorAssembly).As("the demo simulator");
    private static readonly IObjectProvider<IType> Orleans = Types().That().ResideInNamespaceMatching(@"^Orleans(\..*)?$").As("Orleans");
    private static readonly IObjectProvider<IType> AspNet = Types().That().ResideInNamespaceMatching(@"^Microsoft\.AspNetCore(\..*)?$").As("ASP.NET Core");

    [Fact]
    public void Rules_use_neither_Orleans_nor_ASP_NET() =>
        Types().That().Are(Rules).Should().NotDependOnAny(Orleans).AndShould().NotDependOnAny(AspNet)
            .Because("rules are read, changed and tested without a cluster or a host").Check(City);

    [Fact]
    public void Rules_depend_on_no_grain_host_or_worker() =>
        Types().That().Are(Rules).Should().NotDependOnAny(GrainTypes).AndShould().NotDependOnAny(SiloTypes)
            .AndShould().NotDependOnAny(WebTypes).AndShould().NotDependOnAny(VideoTypes).Check(City);

    [Fact]
    public void Contracts_depend_on_nothing_of_ours() =>
        Types().That().Are(Contracts).Should().NotDependOnAny(Rules).AndShould().NotDependOnAny(GrainTypes)
            .AndShould().NotDependOnAny(SiloTypes).AndShould().NotDependOnAny(WebTypes).AndShould().NotDependOnAny(VideoTypes)
            .Because("Grains.Interfaces holds contracts only").Check(City);

    [Fact]
    public void Grains_never_reach_up_to_a_host() =>
        Types().That().Are(GrainTypes).Should().NotDependOnAny(WebTypes).AndShould().NotDependOnAny(VideoTypes)
            .AndShould().NotDependOnAny(SiloTypes).AndShould().NotDependOnAny(AspNet).Check(City);

    [Fact]
    public void The_web_front_end_calls_grains_only_through_their_interfaces() =>
        Types().That().Are(WebTypes).And().DoNotResideInNamespace("CityControl.Web.Hosting.Composition")
            .Should().NotDependOnAny(GrainTypes).AndShould().NotDependOnAny(SiloTypes)
            .Because("only the composition root co-hosts a silo; everything else is an Orleans client").Check(City);

    [Fact]
    public void The_video_worker_knows_no_grain_class_silo_or_web_host() =>
        Types().That().Are(VideoTypes).Should().NotDependOnAny(GrainTypes).AndShould().NotDependOnAny(SiloTypes)
            .AndShould().NotDependOnAny(WebTypes).Check(City);

    [Fact]
    public void The_rules_project_references_no_Orleans_or_ASP_NET_package()
    {
        var project = XDocument.Load(Path.Combine(RepoPaths.Root, "Rules", "Rules.csproj"));
        var references = project.Descendants()
            .Where(e => e.Name.LocalName is "PackageReference" or "FrameworkReference")
            .Select(e => (string?)e.Attribute("Include") ?? "")
            .ToList();
        Assert.NotEmpty(references);
        Assert.DoesNotContain(references, r => r.StartsWith("Microsoft.Orleans", StringComparison.OrdinalIgnoreCase)
            || r.StartsWith("Microsoft.AspNetCore", StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("CityControl.ControlRoom.Web")]
    [InlineData("CityControl.Silo")]
    public void OpenCV_never_loads_in_a_silo_or_a_web_front_end(string host)
    {
        // Every assembly the host can load, followed through references from its entry assembly.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Queue<System.Reflection.AssemblyName>([new System.Reflection.AssemblyName(host)]);
        while (pending.TryDequeue(out var name))
        {
            if (!seen.Add(name.Name!) || !name.Name!.StartsWith("CityControl", StringComparison.Ordinal) && !name.Name.StartsWith("OpenCv", StringComparison.Ordinal))
            {
                continue;
            }

            foreach (var reference in System.Reflection.Assembly.Load(name).GetReferencedAssemblies())
            {
                pending.Enqueue(reference);
            }
        }

        Assert.Contains(host, seen);
        Assert.DoesNotContain(seen, n => n.StartsWith("OpenCvSharp", StringComparison.Ordinal) || n == "CityControl.VideoAnalytics");
    }

    [Fact]
    public void The_demo_simulator_drives_only_the_public_API() =>
        Types().That().Are(SimulatorTypes).Should().NotDependOnAny(Orleans).AndShould().NotDependOnAny(GrainTypes)
            .AndShould().NotDependOnAny(SiloTypes).AndShould().NotDependOnAny(WebTypes).AndShould().NotDependOnAny(VideoTypes)
            .Because("it is a field gateway: HTTP to a front end, as a city's own equipment would send").Check(City);
}
