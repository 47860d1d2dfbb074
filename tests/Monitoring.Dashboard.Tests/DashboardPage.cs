using System.Drawing;
using OpenQA.Selenium;

namespace Monitoring.Dashboard.Tests;

/// <summary>What the tests read off the dashboard, by the selectors the page is built with.</summary>
public static class DashboardPage
{
    public static void OpenOverview(this DashboardFixture fixture, Size? viewport = null, string hash = "")
    {
        fixture.Browser.Resize(viewport ?? Chromium.WallScreen);
        fixture.Browser.Driver.Navigate().GoToUrl(fixture.Url(hash));
        fixture.Browser.WaitFor(d => d.FindElements(By.CssSelector("#feed li.alert")).Count > 0 && d.FindElement(By.Id("live-status")).Text == "live",
            "the feed to list alerts and the live stream to open");
    }

    public static IReadOnlyList<IWebElement> FeedItems(this IWebDriver driver, string feed = "feed") =>
        driver.FindElements(By.CssSelector($"#{feed} li.alert"));

    public static string ClassOf(this IWebDriver driver, string selector) =>
        driver.FindElement(By.CssSelector(selector)).GetAttribute("class") ?? "";

    public static string Data(this IWebElement element, string name) => element.GetAttribute("data-" + name) ?? "";

    public static void Choose(this IWebDriver driver, string filter, string value) =>
        driver.FindElement(By.CssSelector($"#filter-{filter} option[value='{value}']")).Click();

    public static T Script<T>(this IWebDriver driver, string script, params object[] arguments) =>
        (T)Convert.ChangeType(((IJavaScriptExecutor)driver).ExecuteScript(script, arguments), typeof(T))!;
}
