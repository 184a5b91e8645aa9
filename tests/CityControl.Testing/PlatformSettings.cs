namespace CityControl.Testing;

/// <summary>Command-line settings for a platform host under test: loopback ports of its own, no demo city.</summary>
public static class PlatformSettings
{
    public static Dictionary<string, string> Memory() => Base(new()
    {
        ["CityControl:Storage:Mode"] = "Memory",
        ["CityControl:Ingest:Journal"] = "None",
    });

    /// <summary>A platform on the storage account with a cluster and service of its own: tests sharing one Azurite see none of each other's grains or journals.</summary>
    public static Dictionary<string, string> Azure(string connectionString)
    {
        var id = "test-" + Guid.NewGuid().ToString("N")[..8];
        return Base(new()
        {
            ["CityControl:Storage:Mode"] = "AzureStorage",
            ["CityControl:Storage:ConnectionString"] = connectionString,
            ["CityControl:Ingest:Journal"] = "Blob",
            ["CityControl:Silo:ClusterId"] = id,
            ["CityControl:Silo:ServiceId"] = id,
        });
    }

    public static string[] ToArgs(Dictionary<string, string> settings) =>
        settings.Select(kv => $"--{kv.Key}={kv.Value}").ToArray();

    private static Dictionary<string, string> Base(Dictionary<string, string> settings)
    {
        settings["urls"] = $"http://127.0.0.1:{FreePorts.Next()}";
        settings["CityControl:Silo:SiloPort"] = FreePorts.Next().ToString();
        settings["CityControl:Silo:GatewayPort"] = FreePorts.Next().ToString();
        settings["CityControl:Demo:Seed"] = "false";
        settings["CityControl:Map:BasemapFolder"] = RepoPaths.Data("city", "seoul");
        settings["CityControl:Demo:Simulate"] = "false";
        settings["CityControl:DataDirectory"] = Directory.CreateTempSubdirectory("citycontrol-data-").FullName;
        settings["CityControl:Ingest:JournalName"] = "test-" + Guid.NewGuid().ToString("N")[..8];
        settings["Logging:LogLevel:Default"] = "Warning";
        return settings;
    }
}
