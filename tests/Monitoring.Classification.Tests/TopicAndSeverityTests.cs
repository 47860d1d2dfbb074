using Monitoring.Contracts;
using static Monitoring.Classification.Tests.SharedClassifier;

namespace Monitoring.Classification.Tests;

public sealed class TopicAndSeverityTests
{
    [Theory]
    [InlineData("Japan beat Spain 2-1 to top World Cup group", "A relentless attack down the left wing unsettled the Spanish defence.")]
    [InlineData("Cyber Monday sales hit record $12 billion", "Online shoppers spent a record amount on electronics.")]
    [InlineData("Battle of the bands returns to Dublin", "Twenty groups will fight it out on stage; the shooting of a music video follows.")]
    [InlineData("Bombshell report reveals pay gap at banks", "Unions called the findings explosive.")]
    [InlineData("India's exports to the UAE jump 20%", "Shipments of rice and machinery rose after tariffs were cut.")]
    [InlineData("Timnas Indonesia kalahkan Vietnam 3-0", "Kemenangan berkat serangan cepat dari sayap kiri.")]
    public void Sport_shopping_entertainment_idioms_and_trade_raise_nothing(string title, string text)
    {
        var result = Classify(title, text);
        Assert.Empty(result.Topics);
        Assert.Equal(Severity.None, result.Severity);
    }

    [Fact]
    public void A_single_weak_term_is_not_enough_for_a_topic()
    {
        Assert.Empty(Classify("Japan reviews naval history museum plans").Topics);
    }

    [Theory]
    [InlineData("Ransomware attack disrupts hospitals", "", Topics.Cyber)]
    [InlineData("EU adopts new sanctions against Iran", "", Topics.Sanctions)]
    [InlineData("Кибератака на сайты правительства", "", Topics.Cyber)]
    [InlineData("Türkiye ile Pakistan savunma sanayii işbirliği anlaşması imzaladı", "", Topics.DefenseCooperation)]
    [InlineData("中国海警船在黄岩岛附近驱离菲律宾船只", "", Topics.MaritimeSecurity)]
    [InlineData("Soldiers seize power in a coup", "", Topics.CivilUnrest)]
    public void Each_topic_is_found_with_its_evidence(string title, string text, string topic)
    {
        var found = Classify(title, text).Topics.Single(t => t.Id == topic);
        Assert.NotEmpty(found.Evidence);
        Assert.True(found.Score > 0);
    }

    [Fact]
    public void Severity_grows_with_casualties_and_weapon_class()
    {
        Assert.Equal(Severity.Low, Classify("Spain and Germany sign a defence cooperation agreement").Severity);
        Assert.Equal(Severity.High, Classify("Suicide bombing at mosque kills 21", "A suicide bomber blew himself up.").Severity);
        Assert.Equal(Severity.Critical, Classify("Airstrikes kill 150 civilians", "Heavy shelling killed 150 people overnight.").Severity);
        Assert.Equal(Severity.High, Classify("North Korea test-fires new ICBM").Severity);
        Assert.Equal(Severity.Critical, Classify("North Korea conducts nuclear test", "The nuclear test was the country's seventh, with a nuclear weapon of new design.").Severity);
    }
}
