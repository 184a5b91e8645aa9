using CityControl.Video.Sources;

namespace CityControl.Video.Live;

/// <summary>Settings of every camera pipeline, from the section <c>CityControl:Video</c>.</summary>
public sealed class PipelineOptions
{
    public const string Section = "CityControl:Video";

    /// <summary>Whether this host runs camera pipelines at all (a cluster runs them on the workers it chooses).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often the host looks for new, changed and removed cameras.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The first wait before reconnecting a lost stream; it doubles on every failure up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a camera whose stream is up tells its grain so (its heartbeat).</summary>
    public TimeSpan AliveInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Seconds of video kept before an event, and recorded after it, for the evidence clip.</summary>
    public double PreRollSeconds { get; set; } = 3;

    public double PostRollSeconds { get; set; } = 2;

    /// <summary>The blob container evidence goes to.</summary>
    public string EvidenceContainer { get; set; } = "evidence";

    /// <summary>Annotated frames per second made for the live view (JPEG encoding costs the analysis thread).</summary>
    public double LiveViewFps { get; set; } = 2;

    public FfmpegOptions Ffmpeg { get; set; } = new();
}
