using System.Text.RegularExpressions;
using CityControl.Testing;
using Microsoft.Playwright;

namespace CityControl.Tests.Browser;

/// <summary>Debian's Chromium driven by Playwright (never a downloaded browser), headless, on the loopback platform.</summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public static string Screenshots { get; } = Path.Combine(RepoPaths.Root, "artifacts", "screenshots");

    public async ValueTask InitializeAsync()
    {
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        Directory.CreateDirectory(Screenshots);
    }

    /// <summary>
    /// Opens <paramref name="path"/> in a fresh browser context, signs in on the login page it is sent to, and waits
    /// until it is back on that page (and, on pages with a live channel, until the channel is live).
    /// </summary>
    public async Task<IPage> SignInAsync(Uri baseAddress, (string User, string Password) user, string path = "/")
    {
        var context = await Browser.NewContextAsync(new() { BaseURL = baseAddress.ToString() });
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                errors.Add(message.Text);
            }
        };
        await page.GotoAsync(path);
        await page.FillAsync("#username", user.User);
        await page.FillAsync("#password", user.Password);
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex(Regex.Escape(path) + "$"));
        // Every signed-in page draws the shared header; a script that failed to load leaves it empty.
        try
        {
            await Assertions.Expect(page.Locator("#who")).Not.ToBeEmptyAsync(new() { Timeout = 10_000 });
        }
        catch (PlaywrightException ex)
        {
            throw new InvalidOperationException($"{path} did not draw its header: {string.Join(" | ", errors)}", ex);
        }

        if (await page.Locator("#connection").CountAsync() > 0)
        {
            try
            {
                await Assertions.Expect(page.Locator("#connection")).ToHaveTextAsync("live", new() { Timeout = 10_000 });
            }
            catch (PlaywrightException ex)
            {
                var shown = await page.Locator("#message").CountAsync() > 0 ? await page.Locator("#message").TextContentAsync() : null;
                throw new InvalidOperationException($"{path} did not go live; the page said: {shown} {string.Join(" | ", errors)}", ex);
            }
        }

        return page;
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}

/// <summary>Live changes as a user would judge them.</summary>
public static class Live
{
    /// <summary>How long any wait may run: long enough for a loaded 2-core machine, never the bound that is tested.</summary>
    public const float Patience = 30_000;

    /// <summary>
    /// Waits patiently for a change to show, then holds how long it took to <paramref name="bound"/>: a slow delivery
    /// fails as slow ("arrived after 7.2 s"), a missing one as missing, and neither hides behind a long timeout.
    /// </summary>
    public static async Task Arrives(string what, TimeSpan bound, Func<float, Task> expect)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        await expect(Patience);
        var took = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        Assert.True(took <= bound, $"{what} arrived after {took.TotalSeconds:0.0} s; the bound is {bound.TotalSeconds:0.0} s");
    }
}

