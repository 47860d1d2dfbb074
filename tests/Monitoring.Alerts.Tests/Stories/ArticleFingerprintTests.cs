using Monitoring.Alerts.Stories;

namespace Monitoring.Alerts.Tests.Stories;

/// <summary>
/// Fingerprints are stored with story members and compared with those of later articles, across restarts and
/// upgrades: the same language, title and text must give the same fingerprint in every version of the code (these
/// were computed before MinHash was vectorised), whichever instruction set the machine has.
/// </summary>
public sealed class ArticleFingerprintTests
{
    private readonly ArticleFingerprinter _fingerprinter = new();

    [Fact]
    public void An_english_text_gives_the_fingerprint_it_always_gave()
    {
        var fingerprint = _fingerprinter.Fingerprint("en", "Explosion at Harbour Depot in Rotterdam",
            "Officials said 1,500 people were evacuated after an explosion at 7:12 on Tuesday near the Rotterdam harbour depot. " +
            "Mayor Ahmed Aboutaleb said 23 were hurt.");
        Assert.Equal(44, fingerprint.Shingles);
        Assert.Equal(["#12", "#1500", "#23", "#7:12", "@afkls", "@alpl", "@amt", "@aptlp", "@asplsn", "@ltltm", "@tpt", "@tst"], fingerprint.Anchors);
        Assert.Empty(fingerprint.Bridges);
        Assert.Equal(
        [
            48047025u, 141252606u, 50138868u, 45290466u, 112058976u, 129298918u, 147426528u, 52001819u, 496003u,
            2758367u, 63827790u, 183738673u, 56456509u, 17679767u, 29870571u, 141127598u, 14603165u, 65593455u, 1127676u,
            42981469u, 374569641u, 174761415u, 39021912u, 11612504u, 7747304u, 122468254u, 53070465u, 187324162u,
            9327013u, 87509922u, 155020861u, 33632671u, 51832216u, 283129313u, 211899859u, 55752563u, 30776279u,
            6289485u, 22721252u, 277474212u, 116909114u, 51172960u, 68404479u, 68143095u, 35837251u, 116599892u,
            61595552u, 4434257u, 38446564u, 52249133u, 1478111u, 26342079u, 239231887u, 80871506u, 45216138u, 240429630u,
            81969226u, 160317068u, 84413989u, 16968962u, 70792285u, 44956330u, 11128437u
        ], fingerprint.MinHash);
    }

    [Fact]
    public void A_russian_text_gives_the_fingerprint_it_always_gave()
    {
        var fingerprint = _fingerprinter.Fingerprint("ru", "Взрыв на складе в Роттердаме",
            "Власти сообщили, что 1500 человек эвакуированы после взрыва в 7.12 во вторник у склада в порту Роттердама. " +
            "Мэр Ахмед Абуталеб заявил о 23 пострадавших.");
        Assert.Equal(34, fingerprint.Shingles);
        Assert.Equal(["#1500", "#23", "#7.12", "#7:12", "@akmt", "@aptlp", "@flst", "@fslf", "@ltltm"], fingerprint.Anchors);
        Assert.Empty(fingerprint.Bridges);
        Assert.Equal(
        [
            114146228u, 57942498u, 18204108u, 162273483u, 165666972u, 185196082u, 33260960u, 5036305u, 21110893u,
            59094829u, 28875500u, 183738673u, 8672279u, 157563104u, 192221998u, 701644u, 124967958u, 83495936u,
            231136404u, 27387794u, 209374103u, 495751545u, 31954533u, 69486041u, 152283238u, 84787045u, 138785148u,
            3000254u, 13416557u, 5871153u, 16413309u, 60901286u, 273359446u, 39703731u, 118200736u, 13061948u, 23549724u,
            371343650u, 111874443u, 101177173u, 44041813u, 99173909u, 36280609u, 41697854u, 128633323u, 84972466u,
            136576046u, 107324394u, 38446564u, 82307467u, 63439171u, 51207128u, 347153293u, 208019404u, 16058161u,
            45456766u, 9306878u, 88808738u, 237287948u, 3012587u, 102296104u, 102751519u, 23987086u
        ], fingerprint.MinHash);
    }

    [Fact]
    public void No_shingles_give_the_empty_signature()
    {
        Assert.All(ArticleFingerprinter.MinHash([]), value => Assert.Equal(uint.MaxValue, value));
    }
}
