using System.Drawing;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace Monitoring.Dashboard.Tests;

/// <summary>
/// Debian's headless Chromium driven through its chromium-driver (deploy/tools.sh installs both); a fresh profile
/// per run, nothing downloaded. Screenshots go to <c>MONITORING_TEST_ARTIFACTS</c> (deploy/test.sh sets it) or
/// next to the test assembly.
/// </summary>
public sealed class Chromium : IDisposable
{
    public static readonly Size WallScreen = new(1920, 1080);

    private readonly string _profile = Directory.CreateTempSubdirectory("chromium-profile").FullName;

    public Chromium()
    {
        var browser = Environment.GetEnvironmentVariable("MONITORING_CHROMIUM") ?? "/usr/bin/chromium";
        var driver = Environment.GetEnvironmentVariable("MONITORING_CHROMEDRIVER") ?? "/usr/bin/chromedriver";
        foreach (var (path, package) in new[] { (browser, "chromium"), (driver, "chromium-driver") })
        {
            if (!File.Exists(path))
                throw new InvalidOperationException($"{path} is missing: the browser tests need Debian's {package} (deploy/test.sh installs it; or apt-get install {package}).");
        }

        var options = new ChromeOptions { BinaryLocation = browser };
        options.AddArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic", $"--user-data-dir={_profile}",
            $"--window-size={WallScreen.Width},{WallScreen.Height}", "--lang=en-GB");
        options.SetLoggingPreference(LogType.Browser, LogLevel.All);
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(driver)!, Path.GetFileName(driver));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        Driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
        Driver.Manage().Timeouts().PageLoad = TimeSpan.FromSeconds(30);
    }

    public ChromeDriver Driver { get; }

    public static string ArtifactsFolder
    {
        get
        {
            var folder = Environment.GetEnvironmentVariable("MONITORING_TEST_ARTIFACTS") is { Length: > 0 } configured
                ? Path.Combine(configured, "screenshots")
                : Path.Combine(AppContext.BaseDirectory, "screenshots");
            Directory.CreateDirectory(folder);
            return folder;
        }
    }

    /// <summary>Resizes the viewport (not the window frame) to exactly <paramref name="viewport"/>.</summary>
    public void Resize(Size viewport)
    {
        Driver.Manage().Window.Size = viewport;
        var width = Convert.ToInt32(Driver.ExecuteScript("return window.innerWidth;"));
        var height = Convert.ToInt32(Driver.ExecuteScript("return window.innerHeight;"));
        if (width != viewport.Width || height != viewport.Height)
            Driver.Manage().Window.Size = new Size(2 * viewport.Width - width, 2 * viewport.Height - height);
    }

    public string Screenshot(string name)
    {
        var path = Path.Combine(ArtifactsFolder, name + ".png");
        Driver.GetScreenshot().SaveAsFile(path);
        return path;
    }

    /// <summary>Waits until <paramref name="condition"/> returns a value (not null, not false); fails with what it last saw.</summary>
    public T WaitFor<T>(Func<IWebDriver, T> condition, string what, int seconds = 15)
    {
        var wait = new WebDriverWait(Driver, TimeSpan.FromSeconds(seconds)) { PollingInterval = TimeSpan.FromMilliseconds(100) };
        wait.IgnoreExceptionTypes(typeof(NoSuchElementException), typeof(StaleElementReferenceException));
        try
        {
            return wait.Until(condition);
        }
        catch (WebDriverTimeoutException)
        {
            var name = string.Concat(what.Where(char.IsLetterOrDigit)).ToLowerInvariant();
            var shot = Screenshot("timeout-" + name[..Math.Min(40, name.Length)]);
            throw new TimeoutException($"Waited {seconds} s for {what}. Screenshot: {shot}. Browser log:\n{string.Join('\n', ConsoleMessages())}");
        }
    }

    public IReadOnlyList<string> ConsoleMessages() =>
        Driver.Manage().Logs.GetLog(LogType.Browser).Select(entry => $"{entry.Level}: {entry.Message}").ToList();

    public void Dispose()
    {
        Driver.Quit();
        Driver.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // Chromium may still be closing a file in its profile; the folder is in the temp directory anyway.
        }
    }
}
