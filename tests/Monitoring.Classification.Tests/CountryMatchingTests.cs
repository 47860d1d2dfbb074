using static Monitoring.Classification.Tests.SharedClassifier;

namespace Monitoring.Classification.Tests;

public sealed class CountryMatchingTests
{
    private static string[] Codes(ClassificationResult result) => result.Countries.Select(c => c.Code).Order().ToArray();

    [Fact]
    public void Country_names_inside_other_words_do_not_match()
    {
        var result = Classify("Festival opens in Tirana", "A woman from Somalia and a band from Indiana play at the Albanian capital's square.");
        Assert.Equal(["AL", "SO"], Codes(result));
    }

    [Fact]
    public void Countries_in_the_title_are_primary_and_those_only_in_the_text_are_mentioned()
    {
        var result = Classify("Japan tests a new missile", "China and Russia condemned the test.");
        Assert.True(result.Countries.Single(c => c.Code == "JP").Primary);
        Assert.False(result.Countries.Single(c => c.Code == "CN").Primary);
        Assert.False(result.Countries.Single(c => c.Code == "RU").Primary);
    }

    [Fact]
    public void Without_a_country_in_the_title_the_country_of_the_lead_is_primary()
    {
        var result = Classify("Missile test condemned", "Iran launched a missile. Iran said the test was a success. Israel objected.");
        Assert.True(result.Countries.Single(c => c.Code == "IR").Primary);
        Assert.False(result.Countries.Single(c => c.Code == "IL").Primary);
    }

    [Fact]
    public void Short_abbreviations_match_only_in_capitals()
    {
        Assert.Contains(Classify("EU agrees on new sanctions").Countries, c => c.Code == "EU");
        Assert.DoesNotContain(Classify("Let us go, said the eu of the word").Countries, c => c.Code is "EU" or "US");
        Assert.Contains(Classify("AS dan RI sepakati kerja sama", "", "id").Countries, c => c.Code == "US");
    }

    [Theory]
    [InlineData("Georgia voters head to the polls", "Republican and Democratic candidates campaigned in Atlanta.", "GE")]
    [InlineData("Michael Jordan's sneakers sold", "The shoes went for a record price.", "JO")]
    [InlineData("Turkey prices climb before Thanksgiving", "A roast turkey costs more this year.", "TR")]
    [InlineData("Chad Smith announces a tour", "Chad added that rehearsals start soon.", "TD")]
    [InlineData("Jordan Bardella en tête des sondages", "Le président du Rassemblement national progresse.", "JO")]
    [InlineData("Ca sĩ Anh Tú ra mắt album mới", "Nhạc sĩ Đức Trí tham gia.", "GB")]
    public void Ambiguous_names_are_decided_by_context(string title, string text, string notThere)
    {
        Assert.DoesNotContain(Classify(title, text).Countries, c => c.Code == notThere);
    }

    [Fact]
    public void The_same_names_are_countries_in_their_own_context()
    {
        Assert.Contains(Classify("Protests in Georgia", "Thousands rallied in Tbilisi against the government.").Countries, c => c.Code == "GE");
        Assert.Contains(Classify("Jordan closes border crossing", "King Abdullah of Jordan met the army chief.").Countries, c => c.Code == "JO");
        Assert.Contains(Classify("Turkey strikes targets in northern Iraq", "Ankara said the operation would continue.").Countries, c => c.Code == "TR");
    }

    [Theory]
    [InlineData("Fighting in Papua New Guinea's highlands", "PG", "GN")]
    [InlineData("Equatorial Guinea arrests officers", "GQ", "GN")]
    [InlineData("Gunfire in Guinea-Bissau", "GW", "GN")]
    [InlineData("Nigeria closes border", "NG", "NE")]
    [InlineData("Clashes in South Sudan", "SS", "SD")]
    [InlineData("Rebels advance in the Democratic Republic of Congo", "CD", "CG")]
    [InlineData("Hurricane hits the Dominican Republic", "DO", "DM")]
    [InlineData("Floods in Indiana", "", "IN")]
    public void Look_alike_countries_are_told_apart(string title, string expected, string notThere)
    {
        var codes = Codes(Classify(title));
        if (expected.Length > 0) Assert.Contains(expected, codes);
        Assert.DoesNotContain(notThere, codes);
    }

    [Theory]
    [InlineData("Санкции против России продлены", "RU", "ru")]
    [InlineData("Между Японией и Южной Кореей подписано соглашение", "JP,KR", "ru")]
    [InlineData("Поставки оружия Украине", "UA", "ru")]
    [InlineData("Deutschlands Exporte und Israels Haushalt", "DE,IL", "de")]
    [InlineData("Türkiye, Irak'ın kuzeyinde operasyon düzenledi", "IQ,TR", "tr")]
    [InlineData("تصاعد التوتر بين الولايات المتحدة والصين", "CN,US", "ar")]
    [InlineData("Korea Utara dan Korea Selatan bertemu", "KP,KR", "id")]
    [InlineData("Rozmowy Polski z Japonią i Stanami Zjednoczonymi", "JP,PL,US", "pl")]
    [InlineData("日本和中国举行会谈", "CN,JP", "zh")]
    [InlineData("北朝鮮が弾道ミサイルを発射、日本政府が抗議", "JP,KP", "ja")]
    [InlineData("북한이 미사일을 발사하자 한국과 미국이 규탄했다", "KP,KR,US", "ko")]
    [InlineData("ไทยและกัมพูชาปะทะกัน", "KH,TH", "th")]
    [InlineData("בישראל ובאיראן", "IL,IR", "he")]
    public void Inflected_and_unspaced_names_are_found(string title, string expected, string language)
    {
        var result = Classify(title);
        Assert.Equal(expected.Split(','), Codes(result));
        Assert.Equal(language, result.Language);
    }

    [Fact]
    public void Seas_and_clubs_named_after_a_country_are_no_mention_of_it()
    {
        Assert.Empty(Classify("Storm over the Sea of Japan").Countries);
        Assert.Empty(Classify("Bayern München gewinnt gegen Real Madrid").Countries);
    }
}
