using System.Text;

namespace Monitoring.LoadTest;

public sealed record GeneratedArticle(long Number, string Language, string Title, string Text, DateTimeOffset Published);

/// <summary>
/// Realistic multilingual security news, reproducible from a seed: a title naming two countries and an event, and a
/// 2–3 KB body of related sentences, in ten languages; about one article in ten is ordinary non-security news.
/// </summary>
public sealed class ArticleGenerator(int seed)
{
    private sealed record Language(string Code, string[][] Countries, string[] Events, string[] Sentences, string[] Quiet);

    // Country names as each language writes them (pairs: name, the same country); events use {0} and {1}.
    private static readonly Language[] Languages =
    [
        new("en", [["Japan"], ["China"], ["Russia"], ["Ukraine"], ["Iran"], ["Israel"], ["India"], ["Pakistan"], ["Poland"], ["Turkey"]],
            ["{0} accuses {1} of a cyberattack on its power grid", "{0} and {1} hold joint naval exercises", "{0} condemns {1} ballistic missile test",
             "{0} imposes new sanctions on {1}", "Border clashes between {0} and {1} leave several soldiers dead", "{0} signs a defence pact with {1}"],
            ["Officials in {0} said the incident was under investigation.", "The defence ministry of {1} declined to comment.",
             "Analysts warned the tension could escalate in the coming weeks.", "Troops were put on alert along the border.",
             "Diplomats met late into the night to discuss the crisis.", "The statement was issued after an emergency security meeting."],
            ["{0} wins the football friendly against {1}", "Tourism from {1} to {0} reaches a record"]),
        new("fr", [["France"], ["Allemagne"], ["Russie"], ["Ukraine"], ["Iran"], ["Israël"], ["Mali"], ["Niger"], ["Algérie"], ["Maroc"]],
            ["{0} accuse {1} d'une cyberattaque contre ses hôpitaux", "{0} et {1} signent un accord de coopération de défense",
             "{0} condamne l'essai de missile balistique de {1}", "Des affrontements armés entre {0} et {1} font plusieurs morts"],
            ["Le ministère de la Défense a confirmé l'information.", "Les diplomates se sont réunis en urgence.",
             "Les experts craignent une escalade dans les prochaines semaines.", "Des troupes ont été déployées près de la frontière."],
            ["{0} bat {1} en finale de handball"]),
        new("de", [["Deutschland"], ["Frankreich"], ["Russland"], ["Ukraine"], ["China"], ["Polen"], ["Litauen"], ["Iran"], ["Israel"], ["Türkei"]],
            ["{0} wirft {1} einen Cyberangriff auf Behörden vor", "{0} und {1} vereinbaren engere Rüstungskooperation",
             "{0} verhängt neue Sanktionen gegen {1}", "Raketentest von {1} alarmiert {0}"],
            ["Das Verteidigungsministerium bestätigte den Vorfall.", "Diplomaten berieten bis in die Nacht.",
             "Experten warnen vor einer weiteren Eskalation.", "Soldaten wurden an der Grenze in Alarmbereitschaft versetzt."],
            ["{0} gewinnt das Testspiel gegen {1}"]),
        new("es", [["España"], ["Marruecos"], ["Venezuela"], ["Colombia"], ["México"], ["Rusia"], ["China"], ["Cuba"], ["Argentina"], ["Chile"]],
            ["{0} acusa a {1} de un ciberataque contra sus ministerios", "{0} y {1} realizan maniobras militares conjuntas",
             "{0} impone sanciones a {1}", "Enfrentamientos armados en la frontera entre {0} y {1}"],
            ["El ministerio de Defensa confirmó el incidente.", "Los diplomáticos se reunieron de urgencia.",
             "Los analistas temen una escalada.", "Se desplegaron tropas en la frontera."],
            ["{0} gana a {1} en el partido amistoso"]),
        new("ru", [["Россия"], ["Украина"], ["Китай"], ["Япония"], ["Иран"], ["Израиль"], ["Турция"], ["Польша"], ["Грузия"], ["Армения"]],
            ["{0} обвиняет {1} в кибератаке на энергосистему", "{0} и {1} проводят совместные военные учения",
             "{0} вводит санкции против {1}", "{0} осуждает испытание баллистической ракеты {1}"],
            ["Министерство обороны подтвердило инцидент.", "Дипломаты провели экстренные переговоры.",
             "Эксперты опасаются эскалации конфликта.", "Войска приведены в боевую готовность."],
            ["{0} обыграла {1} в товарищеском матче"]),
        new("id", [["Indonesia"], ["Malaysia"], ["Tiongkok"], ["Jepang"], ["Australia"], ["Filipina"], ["Vietnam"], ["Rusia"], ["Korea Utara"], ["Singapura"]],
            ["{0} menuduh {1} melakukan serangan siber", "{0} dan {1} menggelar latihan militer bersama",
             "{0} mengecam uji coba rudal balistik {1}", "Kapal perang {1} memasuki perairan {0}"],
            ["Kementerian Pertahanan membenarkan insiden tersebut.", "Para diplomat menggelar pertemuan darurat.",
             "Para analis khawatir ketegangan akan meningkat.", "Pasukan disiagakan di perbatasan."],
            ["{0} mengalahkan {1} dalam laga persahabatan"]),
        new("pt", [["Brasil"], ["Portugal"], ["Angola"], ["Moçambique"], ["Argentina"], ["Venezuela"], ["Rússia"], ["China"], ["Estados Unidos"], ["Paraguai"]],
            ["{0} acusa {1} de ataque cibernético contra ministérios", "{0} e {1} realizam exercícios militares conjuntos",
             "{0} impõe sanções a {1}", "Confrontos armados na fronteira entre {0} e {1}"],
            ["O ministério da Defesa confirmou o incidente.", "Os diplomatas reuniram-se de urgência.",
             "Os analistas temem uma escalada.", "Tropas foram mobilizadas na fronteira."],
            ["{0} vence {1} em amistoso"]),
        new("ar", [["مصر"], ["إسرائيل"], ["إيران"], ["السعودية"], ["تركيا"], ["سوريا"], ["العراق"], ["لبنان"], ["الأردن"], ["اليمن"]],
            ["{0} تتهم {1} بشن هجوم إلكتروني", "{0} و{1} تجريان مناورات عسكرية مشتركة", "{0} تدين تجربة صاروخ باليستي أجرتها {1}",
             "اشتباكات مسلحة على الحدود بين {0} و{1}"],
            ["أكدت وزارة الدفاع وقوع الحادث.", "عقد الدبلوماسيون اجتماعا طارئا.", "يخشى المحللون من تصعيد.", "تم نشر قوات على الحدود."],
            ["{0} تفوز على {1} في مباراة ودية"]),
        new("zh", [["中国"], ["日本"], ["美国"], ["俄罗斯"], ["韩国"], ["朝鲜"], ["印度"], ["越南"], ["菲律宾"], ["澳大利亚"]],
            ["{0}指责{1}发动网络攻击", "{0}与{1}举行联合军事演习", "{0}谴责{1}试射弹道导弹", "{0}对{1}实施新的制裁"],
            ["国防部证实了这一事件。", "外交官举行了紧急会谈。", "分析人士担心局势升级。", "边境部队进入戒备状态。"],
            ["{0}队在友谊赛中击败{1}队"]),
        new("ja", [["日本"], ["中国"], ["北朝鮮"], ["韓国"], ["ロシア"], ["米国"], ["台湾"], ["インド"], ["フィリピン"], ["オーストラリア"]],
            ["{0}が{1}のサイバー攻撃を非難", "{0}と{1}が共同軍事演習を実施", "{1}の弾道ミサイル発射に{0}が抗議", "{0}が{1}に新たな制裁"],
            ["防衛省は事案を確認した。", "外交当局が緊急協議を行った。", "専門家は緊張の高まりを懸念している。", "部隊が警戒態勢に入った。"],
            ["{0}が親善試合で{1}に勝利"]),
    ];

    /// <summary>The article with this number: the same number always gives the same article.</summary>
    public GeneratedArticle Article(long number, DateTimeOffset published, int length = 2200)
    {
        var random = new Random(HashCode.Combine(seed, number));
        var language = Languages[random.Next(Languages.Length)];
        var a = language.Countries[random.Next(language.Countries.Length)][0];
        string b;
        do b = language.Countries[random.Next(language.Countries.Length)][0]; while (b == a);
        var quiet = random.Next(10) == 0;
        var title = string.Format(quiet ? language.Quiet[random.Next(language.Quiet.Length)] : language.Events[random.Next(language.Events.Length)], a, b)
                    + $" ({number})";
        var text = new StringBuilder(3000);
        var sentences = quiet ? language.Quiet : language.Sentences;
        text.Append(string.Format(quiet ? language.Quiet[0] : language.Events[random.Next(language.Events.Length)], a, b)).Append(". ");
        while (text.Length < length + random.Next(length / 3))
        {
            text.Append(string.Format(sentences[random.Next(sentences.Length)], a, b)).Append(". ");
        }
        return new GeneratedArticle(number, language.Code, title, text.ToString(), published);
    }
}
