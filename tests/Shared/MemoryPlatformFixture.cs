using CityControl.Testing;

namespace CityControl.Tests.Infrastructure;

/// <summary>One platform host on memory storage, shared by the API tests; each test uses its own device ids.</summary>
public sealed class MemoryPlatformFixture : IAsyncLifetime
{
    private InProcessPlatform? _platform;

    public InProcessPlatform Platform => _platform!;

    public PlatformApi Api => Platform.Api;

    public async ValueTask InitializeAsync() => _platform = await InProcessPlatform.StartAsync(PlatformSettings.Memory());

    public async ValueTask DisposeAsync()
    {
        if (_platform is not null)
        {
            await _platform.DisposeAsync();
        }
    }

    public static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..10]}";
}

[CollectionDefinition(Name)]
public sealed class MemoryPlatformCollection : ICollectionFixture<MemoryPlatformFixture>
{
    public const string Name = "memory-platform";
}
