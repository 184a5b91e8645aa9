using CityControl.Rules.Video;
using CityControl.Video.Sources;

namespace CityControl.Video.Live;

/// <summary>Settings of every camera pipeline, from the section <c>CityControl:Video</c>.</summary>
public sealed class PipelineOptions
{
    public const string Section = "CityControl:Video";

    /// <summary>Whether this host runs camera pipelines at all (a cluster runs them on the workers it chooses).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Where streams may come from (<c>CityControl:CameraSources</c>, shared with the camera grains), checked again at each connection.</summary>
    public CameraSourceOptions Sources { get; set; } = new();

    /// <summary>
    /// How often this worker tells the video partitions it is alive. The partitions push it the cameras it is to run;
    /// a worker silent for 15 s loses its cameras to the others, so keep this well under that.
    /// </summary>
    public TimeSpan RegisterInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>This worker's name in the partitions' assignments; by default the machine, the process and a random suffix.</summary>
    public string? WorkerId { get; set; }

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

    /// <summary>
    /// How long a probe runs a suspect camera (one whose last worker died running it) in a process of its own before
    /// this worker runs it in-process; it ends sooner once <see cref="ProbeFrames"/> frames are analysed.
    /// </summary>
    public TimeSpan ProbeDuration { get; set; } = TimeSpan.FromSeconds(5);

    public int ProbeFrames { get; set; } = 10;

    /// <summary>Probes running at once on this worker (each is a process with its own OpenCV).</summary>
    public int ProbeConcurrency { get; set; } = 2;

    /// <summary>
    /// Fault drills only, unset in every deployment: a pipeline whose source address contains this text crashes its
    /// process with SIGSEGV at its first frame, as a native decoder fault on a bad stream would. The cluster tests use
    /// it to show that such a camera takes down one worker, and is then quarantined instead of taking down the next.
    /// </summary>
    public string? CrashDrillSource { get; set; }
}
