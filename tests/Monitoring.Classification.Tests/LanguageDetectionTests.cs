using static Monitoring.Classification.Tests.SharedClassifier;

namespace Monitoring.Classification.Tests;

public sealed class LanguageDetectionTests
{
    [Theory]
    [InlineData("Pemerintah Indonesia akan memperkenalkan kebijakan baru karena biaya hidup meningkat", "id")]
    [InlineData("Kerajaan Malaysia akan memperkenalkan dasar baharu kerana kos sara hidup meningkat", "ms")]
    [InlineData("Polis tahan tiga suspek militan di Sabah", "ms")]
    [InlineData("Polisi tangkap tiga terduga teroris di Poso", "id")]
    [InlineData("Bom bunuh diri di gereja Makassar lukai 20 orang", "id")]
    [InlineData("Harga minyak sawit naik kerana permintaan dari India", "ms")]
    public void Indonesian_and_Malay_are_told_apart_even_in_short_titles(string title, string expected)
    {
        Assert.Equal(expected, Classify(title).Language);
    }

    [Theory]
    [InlineData("Putin says talks are possible", "en")]
    [InlineData("Rusia lanza un ataque masivo", "es")]
    [InlineData("Ataque terrorista em Moçambique", "pt")]
    [InlineData("Attentat à Ouagadougou", "fr")]
    [InlineData("Cyberangriff legt Kliniken lahm", "de")]
    [InlineData("Proteste in Georgia contro la legge", "it")]
    [InlineData("Huizenprijzen stijgen verder", "nl")]
    [InlineData("Inflacja w Polsce spadła", "pl")]
    [InlineData("Enflasyon ekimde geriledi", "tr")]
    [InlineData("Xuất khẩu cà phê tăng mạnh", "vi")]
    [InlineData("Bei ya mahindi yapanda Kenya", "sw")]
    [InlineData("Presyo ng bigas, bumaba", "tl")]
    [InlineData("Цены на бензин выросли", "ru")]
    [InlineData("Ціни на продукти зросли", "uk")]
    [InlineData("ارتفاع صادرات التمور إلى الهند", "ar")]
    [InlineData("صادرات زعفران ایران افزایش یافت", "fa")]
    [InlineData("پاکستان کی ٹیکسٹائل برآمدات میں اضافہ", "ur")]
    [InlineData("גל חום בישראל", "he")]
    [InlineData("中国女排战胜日本", "zh")]
    [InlineData("京都で紅葉が見頃に", "ja")]
    [InlineData("서울 벚꽃 축제 개막", "ko")]
    [InlineData("ไทยชนะญี่ปุ่นในวอลเลย์บอลหญิง", "th")]
    [InlineData("दिल्ली में वायु प्रदूषण", "hi")]
    public void Short_titles_in_the_25_languages_are_detected(string title, string expected)
    {
        Assert.Equal(expected, Classify(title).Language);
    }
}
