// The debrief's timeline scrub (app/debrief_source.h): replaying from the nearest session snapshot
// gives exactly the frame (state and image pixels) that replaying from the start gives.
#include <catch2/catch.hpp>

#include "app/debrief_source.h"
#include "sim/report.h"
#include "sim/run_headless.h"

using namespace irsim;

TEST_CASE("a scrub from the nearest snapshot equals a replay from the start, image included", "[app][debrief][snapshot]") {
    const std::string dir = std::string(IRSIM_SOURCE_DIR) + "/scenarios/";
    const sim::Scenario scenario = sim::loadScenario(dir + "vertebroplasty-l1.toml");
    const auto log = sim::readActionLog(dir + "vertebroplasty-l1.expert.jsonl");
    const auto patient = sim::loadScenarioPatient(scenario);
    sim::Session played(scenario, patient);
    played.play(log);
    const assessment::Debrief debrief =
        assessment::debriefFromReport(sim::buildReport(played, {}), &scenario.rubric, "report");
    REQUIRE(debrief.images.size() >= 4);

    app::ReplayCache cache(scenario, patient, log, 5.0);
    // Moments just after an image (a stored one repeats the image before it), between images, and
    // past the end.
    const double last = log.back().time_s;
    for (double t : {debrief.images[2].time_s + 0.01, 0.61 * last, last + 1.0}) {
        INFO("t = " << t);
        const app::ScrubFrame fromSnapshot = cache.replayTo(t, &debrief);
        const app::ScrubFrame fromStart = app::replayTo(scenario, patient, log, t, &debrief);
        CHECK(fromSnapshot.time_s == fromStart.time_s);
        CHECK(fromSnapshot.events == fromStart.events);
        CHECK(fromSnapshot.airKermaMGy == fromStart.airKermaMGy);
        CHECK(fromSnapshot.imageIndex == fromStart.imageIndex);
        REQUIRE(fromSnapshot.quantities.size() == fromStart.quantities.size());
        for (size_t i = 0; i < fromStart.quantities.size(); ++i)
            CHECK(fromSnapshot.quantities[i].value == fromStart.quantities[i].value);
        CHECK_FALSE(fromStart.image.pixels.empty());
        CHECK(fromSnapshot.image.pixels == fromStart.image.pixels);
    }
    // Snapshots every 5 s of the session: a scrub replays at most that far.
    CHECK(cache.snapshotCount() == static_cast<size_t>(std::ceil(last / 5.0)));
}
