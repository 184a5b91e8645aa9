using CityControl.Video.Cli;
using CityControl.Video.Hosting;

// `analyze <file>` runs the analysis over one file; anything else starts a video worker of the platform.
if (args is ["analyze", ..])
{
    return await AnalyzeCommand.RunAsync(args, Console.Out, Console.Error);
}

var app = VideoWorkerApp.Build(args);
await app.RunAsync();
return 0;
