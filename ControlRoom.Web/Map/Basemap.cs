using System.Text.Json;
using Microsoft.Extensions.Options;

namespace CityControl.Web.Map;

/// <summary>A place's name in the local language and in English; kind is district or neighbourhood.</summary>
public sealed record PlaceName(string Local, string English, string Kind);

/// <summary>What a basemap layer is to the map: how it is drawn and at which zoom it appears.</summary>
public enum BasemapRole
{
    /// <summary>The city's outline.</summary>
    Outline,

    /// <summary>Districts (gu): outlined and named; choosing a district zooms to it.</summary>
    Districts,

    /// <summary>Neighbourhoods (dong): thin outlines, named when zoomed in.</summary>
    Neighbourhoods,

    /// <summary>Rivers and lakes: filled.</summary>
    Water,

    /// <summary>Roads: lines.</summary>
    Roads,

    /// <summary>Rail or subway lines: coloured lines (by the colour property when the file has one).</summary>
    TransitLines,

    /// <summary>Stations: small points, named when zoomed in.</summary>
    TransitStations,
}

/// <summary>One GeoJSON file of the basemap folder and how to draw it.</summary>
public sealed class BasemapLayer
{
    /// <summary>The file's name inside the basemap folder (no directories).</summary>
    public string File { get; set; } = "";

    public BasemapRole Role { get; set; }

    /// <summary>The property holding a feature's local name (drawn in Korean pages), e.g. <c>name</c>.</summary>
    public string? NameProperty { get; set; }

    /// <summary>The property holding a feature's English name, e.g. <c>name_eng</c>; the local name when absent.</summary>
    public string? EnglishNameProperty { get; set; }

    /// <summary>The property holding a line's colour (#rrggbb), e.g. a subway line's <c>line_color</c>.</summary>
    public string? ColourProperty { get; set; }

    /// <summary>The credit the data's licence asks for, shown on the map.</summary>
    public string Attribution { get; set; } = "";
}

/// <summary>
/// The offline basemap: GeoJSON files in one folder (<c>CityControl:Map:BasemapFolder</c>), described by a
/// <c>basemap.json</c> in that folder (a list of <see cref="BasemapLayer"/>) or, without one, by
/// <c>CityControl:Map:BasemapLayers</c>. Layers whose file is absent are left out and logged. No folder, no basemap.
/// </summary>
public sealed partial class Basemap
{
    public const string ManifestFile = "basemap.json";

    private readonly Dictionary<string, (BasemapLayer Layer, string Path)> _layers = new(StringComparer.Ordinal);

    public Basemap(IOptions<MapOptions> options, IHostEnvironment environment, ILogger<Basemap> logger)
    {
        var configured = options.Value.BasemapFolder;
        if (string.IsNullOrWhiteSpace(configured))
        {
            return;
        }

        Folder = Path.GetFullPath(Path.Combine(environment.ContentRootPath, configured));
        if (!Directory.Exists(Folder))
        {
            NoFolder(logger, Folder);
            return;
        }

        var manifest = Path.Combine(Folder, ManifestFile);
        var layers = System.IO.File.Exists(manifest)
            ? JsonSerializer.Deserialize<List<BasemapLayer>>(System.IO.File.ReadAllText(manifest), ManifestJson) ?? []
            : options.Value.BasemapLayers;
        foreach (var layer in layers)
        {
            var name = Path.GetFileName(layer.File);
            var path = Path.Combine(Folder, name);
            if (name.Length == 0 || name != layer.File || !System.IO.File.Exists(path))
            {
                LeftOut(logger, layer.File, layer.Role, Folder);
                continue;
            }

            _layers[Path.GetFileNameWithoutExtension(name)] = (layer, path);
        }

        Loaded(logger, Folder, _layers.Count);
        PlaceNames = [.. _layers.Values
            .Where(l => l.Layer.Role is BasemapRole.Districts or BasemapRole.Neighbourhoods && l.Layer.NameProperty is not null)
            .SelectMany(l => NamesIn(l.Path, l.Layer))
            .DistinctBy(n => (n.Local, n.English))];
    }

    /// <summary>The districts' and neighbourhoods' names in the local language and in English, for the pages to show a place in either.</summary>
    public IReadOnlyList<PlaceName> PlaceNames { get; } = [];

    private static List<PlaceName> NamesIn(string path, BasemapLayer layer)
    {
        using var stream = System.IO.File.OpenRead(path);
        using var document = JsonDocument.Parse(stream);
        if (!document.RootElement.TryGetProperty("features", out var features) || features.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        var names = new List<PlaceName>();
        foreach (var feature in features.EnumerateArray())
        {
            if (feature.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object
                && p.TryGetProperty(layer.NameProperty!, out var local) && local.ValueKind == JsonValueKind.String)
            {
                var english = layer.EnglishNameProperty is { } e && p.TryGetProperty(e, out var en) && en.ValueKind == JsonValueKind.String ? en.GetString()! : local.GetString()!;
                names.Add(new PlaceName(local.GetString()!, english, layer.Role == BasemapRole.Districts ? "district" : "neighbourhood"));
            }
        }

        return names;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Basemap folder {Folder} does not exist: the map has no basemap")]
    private static partial void NoFolder(ILogger logger, string folder);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Basemap layer {File} ({Role}) is not a file in {Folder}: left out")]
    private static partial void LeftOut(ILogger logger, string file, BasemapRole role, string folder);

    [LoggerMessage(Level = LogLevel.Information, Message = "Basemap from {Folder}: {Count} layers")]
    private static partial void Loaded(ILogger logger, string folder, int count);

    private static readonly JsonSerializerOptions ManifestJson = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    public string? Folder { get; }

    /// <summary>The layers, by the name the map fetches them under (the file name without its extension).</summary>
    public IEnumerable<(string Name, BasemapLayer Layer)> Layers => _layers.Select(kv => (kv.Key, kv.Value.Layer));

    /// <summary>The file of a layer by its name, or null: only files the basemap names are ever served.</summary>
    public string? PathOf(string name) => _layers.TryGetValue(name, out var layer) ? layer.Path : null;
}
