#include "app/window/debrief_view.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <future>

#include <imgui.h>

#include "app/window/image_panel.h"
#include "assessment/records.h"
#include "core/error.h"
#include "core/log.h"
#include "render/grey_texture.h"
#include "render/image_blit.h"
#include "sim/frames.h"
#include "sim/report.h"
#include "sim/run_headless.h"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"  // the VkXxxInfo x{sType} idiom

namespace irsim::app {

namespace as = irsim::assessment;

namespace {

const ImVec4 kGreen{0.25f, 0.75f, 0.38f, 1.0f}, kAmber{0.95f, 0.68f, 0.18f, 1.0f}, kRed{0.93f, 0.30f, 0.25f, 1.0f},
    kGrey{0.6f, 0.6f, 0.6f, 1.0f};

ImVec4 bandColour(as::MarksBand b) {
    switch (b) {
        case as::MarksBand::Full: return kGreen;
        case as::MarksBand::Partial: return kAmber;
        case as::MarksBand::Zero:
        case as::MarksBand::Critical: return kRed;
        case as::MarksBand::Unscored: return kGrey;
    }
    return kGrey;
}

ImU32 categoryColour(as::EventCategory c) {
    switch (c) {
        case as::EventCategory::Imaging: return IM_COL32(90, 150, 240, 255);
        case as::EventCategory::Device: return IM_COL32(160, 130, 230, 255);
        case as::EventCategory::Therapy: return IM_COL32(70, 190, 100, 255);
        case as::EventCategory::Complication: return IM_COL32(240, 80, 60, 255);
        case as::EventCategory::Session: return IM_COL32(170, 170, 170, 255);
    }
    return IM_COL32(170, 170, 170, 255);
}

std::string valueText(double v, const std::string& unit) {
    if (!std::isfinite(v)) return "-";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.4g%s%s", v, unit.empty() ? "" : " ", unit.c_str());
    return buf;
}

struct ReplayResult {
    ScrubFrame frame;
    std::vector<sim::ResultPicture> results;  // the procedure's, at the end (the first replay's)
    std::shared_ptr<const patient::Patient> patient;
    std::string error;
};

}  // namespace

struct DebriefView::Impl {
    render::Context& ctx;
    render::ImageBlitter& blitter;
    LoadedDebrief data;
    std::shared_ptr<const patient::Patient> patient;
    bool synchronous = false;
    bool close = false;
    std::string message;

    // Scrubbing: the time asked for, the frame shown, the replay in flight.
    float scrubT = 0.0f;
    double shownT = -1.0;
    ScrubFrame shown;
    bool haveFrame = false;
    std::future<ReplayResult> pending;
    double pendingT = -1.0;
    // Session snapshots for scrubbing, made by the first replay (in its thread; one replay runs at
    // a time).
    std::shared_ptr<std::shared_ptr<ReplayCache>> replayCache = std::make_shared<std::shared_ptr<ReplayCache>>();

    // The image on the GPU: one texture of kReportImagePixels^2, re-filled when the frame changes.
    render::GreyTexture texture;
    ImagePanel panel;

    // The procedure's picture of its result (a dose map): shown in place of the scrubbed image,
    // first, since the debrief opens at the end.
    render::GreyTexture resultTexture;
    ImagePanel resultPanel;
    std::string resultCaption;
    float resultAspect = 1.0f;
    bool haveResult = false, showResult = true;

    std::vector<std::vector<float>> series;  // the timeline's values as floats for PlotLines
    std::vector<float> attemptScores;

    char assessor[64] = "";
    char comment[512] = "";
    int rating = 3;

    Impl(render::Context& c, render::ImageBlitter& b, LoadedDebrief d, std::shared_ptr<const patient::Patient> p, bool sync)
        : ctx(c), blitter(b), data(std::move(d)), patient(std::move(p)), synchronous(sync), texture(c, sim::kReportImagePixels),
          resultTexture(c, 768) {
        panel.blitter = &blitter;
        panel.set = blitter.setFor(texture.image());
        resultPanel.blitter = &blitter;
        resultPanel.set = blitter.setFor(resultTexture.image());
        for (const as::DebriefSeries& s : data.debrief.series)
            series.emplace_back(s.value.begin(), s.value.end());
        for (const as::DebriefAttempt& a : data.debrief.attempts) attemptScores.push_back(static_cast<float>(a.score));
        // Open at the end: the state the trainee left the patient in, and the last image.
        scrubT = static_cast<float>(data.debrief.duration_s);
    }

    ~Impl() {
        if (pending.valid()) pending.wait();
    }

    bool canReplay() const { return data.scenario.has_value() && !data.log.empty(); }

    void requestReplay(double t) {
        if (!canReplay() || pending.valid()) return;
        pendingT = t;
        // The first scrub builds the snapshots (one replay of the whole session); later ones
        // replay a few seconds from the nearest.
        auto job = [scenario = *data.scenario, log = data.log, debrief = data.debrief, p = patient, t,
                    cache = replayCache]() mutable {
            ReplayResult r;
            try {
                r.patient = p ? p : sim::loadScenarioPatient(scenario);
                if (!*cache) *cache = std::make_shared<ReplayCache>(scenario, r.patient, log);
                r.frame = (*cache)->replayTo(t, &debrief);
                r.results = (*cache)->resultPictures();
            } catch (const std::exception& e) {
                r.error = e.what();
            }
            return r;
        };
        pending = std::async(synchronous ? std::launch::deferred : std::launch::async, std::move(job));
    }

    void collectReplay() {
        if (!pending.valid()) return;
        if (!synchronous && pending.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return;
        ReplayResult r = pending.get();
        shownT = pendingT;
        if (!r.error.empty()) {
            message = "Replay failed: " + r.error;
            return;
        }
        patient = r.patient;
        shown = std::move(r.frame);
        haveFrame = true;
        upload(shown.image);
        if (!haveResult && !r.results.empty()) {
            const sim::ResultPicture& p = r.results.front();
            resultTexture.uploadRgba(p.width, p.height, p.rgba);
            resultAspect = static_cast<float>(p.width) / static_cast<float>(p.height);
            resultCaption = resultPictureTitle(p.name);
            haveResult = true;
        }
    }

    void upload(const GreyImage& im) { texture.upload(im); }

    void draw(float W, float H) {
        collectReplay();
        if (std::abs(scrubT - shownT) > 1e-6 && !pending.valid()) requestReplay(scrubT);
        if (synchronous) collectReplay();
        const ImGuiWindowFlags fixed = ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse |
                                       ImGuiWindowFlags_NoSavedSettings;
        const float headH = 150.0f, half = W * 0.5f, lowerY = H - 250.0f;
        result(fixed, {0, 0}, {W, headH});
        const float plotsY = headH + 300.0f;
        metrics(fixed, {0, headH}, {half, plotsY - headH});
        plots(fixed, {0, plotsY}, {half, H - plotsY});
        timeline(fixed, {half, headH}, {half, lowerY - headH});
        learning(fixed, {half, lowerY}, {half * 0.5f, H - lowerY});
        ratings(fixed, {half * 1.5f, lowerY}, {half * 0.5f, H - lowerY});
    }

    void result(ImGuiWindowFlags fixed, ImVec2 pos, ImVec2 size) {
        const as::Debrief& d = data.debrief;
        ImGui::SetNextWindowPos(pos);
        ImGui::SetNextWindowSize(size);
        ImGui::Begin("Debrief", nullptr, fixed);
        if (ImGui::BeginTable("result", 3, ImGuiTableFlags_SizingFixedFit)) {
            ImGui::TableSetupColumn("score", ImGuiTableColumnFlags_WidthFixed, 210.0f);
            ImGui::TableSetupColumn("reasons", ImGuiTableColumnFlags_WidthStretch);
            ImGui::TableSetupColumn("who", ImGuiTableColumnFlags_WidthFixed, 300.0f);
            ImGui::TableNextColumn();
            ImGui::SetWindowFontScale(2.6f);
            ImGui::TextColored(d.passed ? kGreen : kRed, "%s", d.passed ? "PASSED" : "FAILED");
            ImGui::Text("%.1f / 100", d.score);
            ImGui::SetWindowFontScale(1.0f);
            if (d.passScore > 0.0) ImGui::TextDisabled("pass mark %.0f, no critical error", d.passScore);
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(d.passed ? "Why it passed:" : "Why it failed:");
            ImGui::BeginChild("reasons", {0, 100}, false);
            for (const std::string& r : d.reasons) {
                const bool critical = r.rfind("Critical", 0) == 0;
                if (critical) ImGui::PushStyleColor(ImGuiCol_Text, kRed);
                ImGui::Bullet();
                ImGui::TextWrapped("%s", r.c_str());
                if (critical) ImGui::PopStyleColor();
            }
            if (d.reasons.empty()) ImGui::TextDisabled("(no reasons given)");
            ImGui::EndChild();
            ImGui::TableNextColumn();
            ImGui::TextWrapped("%s", d.title.c_str());
            ImGui::Text("Trainee: %s", d.trainee.empty() ? "(not recorded)" : d.trainee.c_str());
            if (d.sessionId) ImGui::Text("Session %lld, %s", static_cast<long long>(d.sessionId), d.startedAt.c_str());
            ImGui::Text("Duration %.1f s, %zu events, %zu images", d.duration_s, d.events.size(), d.images.size());
            if (ImGui::Button("Export HTML")) exportHtml();
            ImGui::SameLine();
            if (ImGui::Button("Close")) close = true;
            if (!message.empty()) ImGui::TextWrapped("%s", message.c_str());
            ImGui::EndTable();
        }
        ImGui::End();
    }

    void exportHtml() {
        const std::string path = "debrief-" + data.debrief.scenario +
                                 (data.debrief.sessionId ? "-" + std::to_string(data.debrief.sessionId) : "") + ".html";
        try {
            if (pending.valid()) pending.wait();
            collectReplay();
            const size_t n = writeDebriefHtml(data, path, "", patient);
            message = "Written " + path + " (" + std::to_string(n) + " images)";
        } catch (const std::exception& e) {
            message = std::string("Export failed: ") + e.what();
        }
    }

    void metrics(ImGuiWindowFlags fixed, ImVec2 pos, ImVec2 size) {
        const as::Debrief& d = data.debrief;
        ImGui::SetNextWindowPos(pos);
        ImGui::SetNextWindowSize(size);
        ImGui::Begin("Metrics (green: full marks, amber: partial, red: none or critical)", nullptr, fixed);
        const bool expert = d.expertSessionId.has_value();
        if (expert)
            ImGui::TextDisabled("Expert reference: session %lld by %s, score %.1f", static_cast<long long>(*d.expertSessionId),
                                d.expertTrainee.c_str(), d.expertScore);
        const int cols = expert ? 6 : 5;
        if (ImGui::BeginTable("metrics", cols, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_ScrollY)) {
            ImGui::TableSetupScrollFreeze(0, 1);
            ImGui::TableSetupColumn("Metric", ImGuiTableColumnFlags_WidthStretch);
            ImGui::TableSetupColumn("Value", ImGuiTableColumnFlags_WidthFixed, 100.0f);
            ImGui::TableSetupColumn("Target", ImGuiTableColumnFlags_WidthFixed, 70.0f);
            ImGui::TableSetupColumn("Limit", ImGuiTableColumnFlags_WidthFixed, 70.0f);
            ImGui::TableSetupColumn("Marks", ImGuiTableColumnFlags_WidthFixed, 60.0f);
            if (expert) ImGui::TableSetupColumn("Expert", ImGuiTableColumnFlags_WidthFixed, 70.0f);
            ImGui::TableHeadersRow();
            for (const as::DebriefMetric& m : d.metrics) {
                ImGui::TableNextRow();
                ImGui::TableNextColumn();
                const ImVec4 c = bandColour(m.band);
                ImGui::ColorButton(("##" + m.name).c_str(), c, ImGuiColorEditFlags_NoTooltip, {10, 10});
                ImGui::SameLine();
                ImGui::TextUnformatted(m.label.c_str());
                if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s, weight %.3g", m.name.c_str(), m.weight);
                ImGui::TableNextColumn();
                ImGui::TextUnformatted(m.missing ? "not done" : valueText(m.value, m.unit).c_str());
                ImGui::TableNextColumn();
                ImGui::TextUnformatted(m.target ? valueText(*m.target, "").c_str() : "");
                ImGui::TableNextColumn();
                ImGui::TextUnformatted(m.limit ? valueText(*m.limit, "").c_str() : m.critical ? valueText(*m.critical, "").c_str() : "");
                ImGui::TableNextColumn();
                if (m.band == as::MarksBand::Critical) ImGui::TextColored(c, "CRITICAL");
                else if (m.band != as::MarksBand::Unscored) ImGui::TextColored(c, "%.0f%%", 100.0 * m.marks);
                if (expert) {
                    ImGui::TableNextColumn();
                    ImGui::TextUnformatted(m.expert ? valueText(*m.expert, "").c_str() : "");
                }
            }
            ImGui::EndTable();
        }
        ImGui::End();
    }

    void plots(ImGuiWindowFlags fixed, ImVec2 pos, ImVec2 size) {
        const as::Debrief& d = data.debrief;
        ImGui::SetNextWindowPos(pos);
        ImGui::SetNextWindowSize(size);
        ImGui::Begin("Dose and the procedure's quantities over time", nullptr, fixed);
        std::string none;
        const float w = (ImGui::GetContentRegionAvail().x - 16.0f) / 3.0f;
        int shownPlots = 0;
        for (size_t i = 0; i < d.series.size(); ++i) {
            const as::DebriefSeries& s = d.series[i];
            const double vmax = s.maxValue();
            if (vmax <= 0.0) {
                none += (none.empty() ? "" : ", ") + s.label;
                continue;
            }
            if (shownPlots % 3) ImGui::SameLine();
            char overlay[96];
            std::snprintf(overlay, sizeof overlay, "%s %s", valueText(s.value.back(), "").c_str(), s.unit.c_str());
            ImGui::BeginGroup();
            ImGui::TextUnformatted(s.label.c_str());
            ImGui::PlotLines(("##" + s.key).c_str(), series[i].data(), static_cast<int>(series[i].size()), 0, overlay,
                             0.0f, static_cast<float>(vmax * 1.05), {w, 90.0f});
            ImGui::EndGroup();
            ++shownPlots;
        }
        if (!none.empty()) ImGui::TextDisabled("None in this session: %s", none.c_str());
        ImGui::TextDisabled("One sample per simulated second, 0 to %.0f s.", d.duration_s);
        ImGui::End();
    }

    void timeline(ImGuiWindowFlags fixed, ImVec2 pos, ImVec2 size) {
        const as::Debrief& d = data.debrief;
        ImGui::SetNextWindowPos(pos);
        ImGui::SetNextWindowSize(size);
        ImGui::Begin("Timeline: drag or click to replay the session to that moment", nullptr, fixed);
        const float dur = static_cast<float>(std::max(d.duration_s, 1e-3));
        // The event strip: one tick per event, coloured by kind; a click moves the scrub there.
        const ImVec2 p0 = ImGui::GetCursorScreenPos();
        const float w = ImGui::GetContentRegionAvail().x, h = 26.0f;
        ImGui::InvisibleButton("strip", {w, h});
        if (ImGui::IsItemActive()) scrubT = std::clamp((ImGui::GetIO().MousePos.x - p0.x) / w, 0.0f, 1.0f) * dur;
        ImDrawList* dl = ImGui::GetWindowDrawList();
        dl->AddRectFilled(p0, {p0.x + w, p0.y + h}, IM_COL32(40, 40, 48, 255));
        for (const as::SessionEvent& e : d.events) {
            const float x = p0.x + static_cast<float>(e.time_s / dur) * w;
            const as::EventCategory c = e.category;
            dl->AddLine({x, p0.y + 3}, {x, p0.y + h - 3}, categoryColour(c), c == as::EventCategory::Complication ? 4.0f : 2.0f);
        }
        const float sx = p0.x + scrubT / dur * w;
        dl->AddTriangleFilled({sx - 6, p0.y}, {sx + 6, p0.y}, {sx, p0.y + 8}, IM_COL32(255, 255, 255, 255));
        dl->AddLine({sx, p0.y}, {sx, p0.y + h}, IM_COL32(255, 255, 255, 200), 1.0f);
        ImGui::SetNextItemWidth(-1);
        ImGui::SliderFloat("##t", &scrubT, 0.0f, dur, "%.1f s");

        // The image and the state side by side. Not in a table: a draw callback inside a table
        // cell goes through ImGui's channel splitter, and what came after it was lost.
        if (haveResult) {
            if (ImGui::RadioButton("Result at the end", showResult)) showResult = true;
            ImGui::SameLine();
            if (ImGui::RadioButton("Image at the scrubbed moment", !showResult)) showResult = false;
        }
        const float side = std::min(ImGui::GetContentRegionAvail().y - 4.0f, 250.0f);
        const ImVec2 at = ImGui::GetCursorScreenPos();
        if (haveResult && showResult) {
            // As tall as the pane lets it be: the colour scale's labels must stay legible.
            const float h = std::min(ImGui::GetContentRegionAvail().y - 4.0f, 400.0f);
            resultPanel.min = at;
            resultPanel.max = {at.x + h * resultAspect, at.y + h};
            dl->AddCallback(drawImagePanel, &resultPanel);
            dl->AddCallback(ImDrawCallback_ResetRenderState, nullptr);
            ImGui::Dummy({h * resultAspect, h});
            ImGui::SameLine();
            ImGui::BeginChild("state", {0, h}, false);
            ImGui::TextWrapped("%s", resultCaption.c_str());
            ImGui::Separator();
            state();
            ImGui::EndChild();
            ImGui::End();
            return;
        }
        if (texture.hasImage() && haveFrame) {
            panel.min = at;
            panel.max = {at.x + side, at.y + side};
            dl->AddCallback(drawImagePanel, &panel);
            dl->AddCallback(ImDrawCallback_ResetRenderState, nullptr);
        } else {
            dl->AddRectFilled(at, {at.x + side, at.y + side}, IM_COL32(0, 0, 0, 255));
            dl->AddText({at.x + 8, at.y + 8}, IM_COL32(160, 160, 160, 255),
                        !canReplay() ? "(no action log: no replay)" : pending.valid() ? "replaying..." : "no image yet");
        }
        ImGui::Dummy({side, side});
        ImGui::SameLine();
        ImGui::BeginChild("state", {0, side}, false);
        state();
        ImGui::EndChild();
        ImGui::End();
    }

    void state() {
        const as::Debrief& d = data.debrief;
        if (haveFrame) {
            const ScrubFrame& f = shown;
            ImGui::Text("At %.2f s%s", f.time_s, pending.valid() ? "  (replaying...)" : "");
            ImGui::Text("C-arm LAO %+.1f  CRAN %+.1f   fluoro %s", f.carm.laoDeg, f.carm.cranDeg, f.fluoroOn ? "ON" : "off");
            ImGui::Text("Air kerma %.3f mGy  KAP %.4f Gy.cm2", f.airKermaMGy, f.kapGyCm2);
            ImGui::Text("Fluoro %.1f s", f.fluoroTimeS);
            for (const ScrubFrame::Quantity& q : f.quantities)
                ImGui::Text("%s %.2f %s", q.label.c_str(), q.value, q.unit.c_str());
            if (f.imageIndex >= 0 && static_cast<size_t>(f.imageIndex) < d.images.size()) {
                const as::DebriefImage& im = d.images[static_cast<size_t>(f.imageIndex)];
                ImGui::TextWrapped("Image %d of %zu: %s%s%s at %.2f s, LAO %+.1f CRAN %+.1f", f.imageIndex + 1,
                                   d.images.size(), im.kind.c_str(), im.label.empty() ? "" : " ", im.label.c_str(),
                                   im.time_s, im.laoDeg, im.cranDeg);
            }
        } else {
            ImGui::TextDisabled(canReplay() ? "Replaying the session..." : "The action log is not available.");
        }
        ImGui::Separator();
        ImGui::BeginChild("events", {0, 0}, false);
        for (size_t i = 0; i < d.events.size(); ++i) {
            const as::SessionEvent& e = d.events[i];
            const bool past = e.time_s <= scrubT + 1e-6;
            const as::EventCategory c = e.category;
            ImGui::PushStyleColor(ImGuiCol_Text, past ? ImGui::ColorConvertU32ToFloat4(categoryColour(c)) : kGrey);
            char label[256];
            std::snprintf(label, sizeof label, "%7.2f s  %s##%zu", e.time_s, as::eventLabel(e.kind).c_str(), i);
            if (ImGui::Selectable(label, false)) scrubT = static_cast<float>(e.time_s);
            ImGui::PopStyleColor();
            if (ImGui::IsItemHovered() && !e.details.empty()) ImGui::SetTooltip("%s", e.details.c_str());
        }
        ImGui::EndChild();
    }

    void learning(ImGuiWindowFlags fixed, ImVec2 pos, ImVec2 size) {
        const as::Debrief& d = data.debrief;
        ImGui::SetNextWindowPos(pos);
        ImGui::SetNextWindowSize(size);
        ImGui::Begin("Learning curve", nullptr, fixed);
        if (attemptScores.empty()) {
            ImGui::TextWrapped("No attempts in the records. Run with --trainee ID to keep a learning curve.");
        } else {
            char overlay[64];
            std::snprintf(overlay, sizeof overlay, "%zu attempt%s", attemptScores.size(), attemptScores.size() == 1 ? "" : "s");
            ImGui::PlotLines("##curve", attemptScores.data(), static_cast<int>(attemptScores.size()), 0, overlay, 0.0f,
                             100.0f, {ImGui::GetContentRegionAvail().x, 90.0f});
            const size_t first = attemptScores.size() > 5 ? attemptScores.size() - 5 : 0;
            for (size_t i = first; i < d.attempts.size(); ++i) {
                const as::DebriefAttempt& a = d.attempts[i];
                ImGui::TextColored(a.passed ? kGreen : kRed, "#%zu %5.1f %s%s", i + 1, a.score, a.passed ? "passed" : "failed",
                                   a.current ? " (this)" : "");
            }
        }
        ImGui::End();
    }

    void ratings(ImGuiWindowFlags fixed, ImVec2 pos, ImVec2 size) {
        as::Debrief& d = data.debrief;
        ImGui::SetNextWindowPos(pos);
        ImGui::SetNextWindowSize(size);
        ImGui::Begin("Assessor rating", nullptr, fixed);
        for (const as::AssessorRating& r : d.ratings)
            ImGui::TextWrapped("%d/%d %s: %s", r.rating, as::kMaxRating, r.assessor.c_str(), r.comment.c_str());
        if (d.sessionId == 0) {
            ImGui::TextWrapped("This session is not in the records (run with --trainee ID to rate it).");
            ImGui::End();
            return;
        }
        ImGui::SetNextItemWidth(-60);
        ImGui::InputText("Assessor", assessor, sizeof assessor);
        ImGui::SetNextItemWidth(-60);
        ImGui::SliderInt("Global", &rating, as::kMinRating, as::kMaxRating, "%d of 5");
        ImGui::InputTextMultiline("##comment", comment, sizeof comment, {-1, 50});
        if (ImGui::Button("Save rating") && assessor[0]) {
            try {
                as::RecordStore store = as::RecordStore::open(data.recordsUrl);
                store.rate(d.sessionId, {assessor, rating, comment, nowUtc()});
                if (auto s = store.session(d.sessionId)) d.ratings = s->ratings;
                comment[0] = '\0';
                message = "Rating saved.";
            } catch (const std::exception& e) {
                message = std::string("Rating not saved: ") + e.what();
            }
        }
        ImGui::End();
    }
};

DebriefView::DebriefView(render::Context& ctx, render::ImageBlitter& blitter, LoadedDebrief data,
                         std::shared_ptr<const patient::Patient> patient, bool synchronous)
    : impl_(std::make_unique<Impl>(ctx, blitter, std::move(data), std::move(patient), synchronous)) {}
DebriefView::~DebriefView() = default;
void DebriefView::draw(float width, float height) { impl_->draw(width, height); }
void DebriefView::setCommandBuffer(VkCommandBuffer cmd) { impl_->panel.cmd = impl_->resultPanel.cmd = cmd; }
bool DebriefView::closeRequested() const { return impl_->close; }

std::unique_ptr<DebriefView> openDebriefAtEnd(const WindowRunOptions& opts, const sim::Session& session,
                                              const std::string& logPath, render::Context& ctx,
                                              render::ImageBlitter& blitter) {
    const nlohmann::json report = sim::buildReport(session);
    std::vector<sim::Action> actions = logPath.empty() ? std::vector<sim::Action>{} : sim::readActionLog(logPath);
    LoadedDebrief d = debriefOfSession(report, session.scenario(), std::move(actions), logPath);
    if (!opts.trainee.empty()) {
        try {
            d.debrief.sessionId = storeSession(opts.recordsUrl, opts.trainee, opts.startedAt, report, opts.reportPath, logPath);
            d.debrief.trainee = opts.trainee;
            d.debrief.startedAt = opts.startedAt;
            addFromRecords(d, opts.recordsUrl);
        } catch (const DataError& e) {
            log::error(std::string("the session was not stored: ") + e.what());
        }
    }
    return std::make_unique<DebriefView>(ctx, blitter, std::move(d), session.patientPtr(), opts.quitAfterFrames > 0);
}

}  // namespace irsim::app
