using CityControl.Video.Cli;
using CityControl.Video.Hosting;

// `analyze <file>` runs the analysis over one file; `detect <file>` the object detector alone; `probe` runs one camera (from standard input) for a worker, in a
// process of its own; anything else starts a video worker of the platform.
if (args is ["analyze", ..])
{
    return await AnalyzeCommand.RunAsync(args, Console.Out, Console.Error);
}

if (args is ["detect", ..])
{
    return await DetectCommand.RunAsync(args, Console.Out, Console.Error);
}

if (args is ["probe"])
{
    return await ProbeCommand.RunAsync(Console.In, Console.Out, Console.Error);
}

var app = VideoWorkerApp.Build(args);
await app.RunAsync();
return 0;
