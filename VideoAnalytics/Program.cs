using CityControl.Video.Cli;

return await AnalyzeCommand.RunAsync(args, Console.Out, Console.Error);
