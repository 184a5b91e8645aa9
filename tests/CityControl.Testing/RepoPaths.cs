namespace CityControl.Testing;

public static class RepoPaths
{
    /// <summary>The repository root: the folder holding CityControl.sln above the test binaries.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The shared real-world data set beside the project root.</summary>
    public static string SharedData { get; } = Path.GetFullPath(Path.Combine(Root, "..", "shared", "data"));

    public static string Data(params string[] parts) => Path.Combine([SharedData, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CityControl.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("CityControl.sln not found above " + AppContext.BaseDirectory);
    }
}
