// Only string constants; no code. Every body is copied from the source named in the
// comment above it (commits are those read on 2026-12-02). Where a body was converted
// (YAML/JS/Python literal -> JSON) or trimmed, the comment says so. Bodies no provider has
// published (Replicate's `aborted`, NCA's Cloud Run failure) are derived in the tests from
// the nearest real one or from the code that sends them, and say so there.

/// Webhook and status bodies as the providers really send them, each copied from the source named above it.
enum RealProviderBodies {
    enum Replicate {
        // Source: https://replicate.com/docs/topics/webhooks/receive-webhook — "Here's an example of an unfinished prediction"
        // (the documented webhook body; webhook body == the GET /v1/predictions/{id} object). Note: no "urls", no "model".
        static let docsStartingExample = #"""
        {
          "id": "ufawqhfynnddngldkgtslldrkq",
          "version": "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa",
          "created_at": "2022-04-26T22:13:06.224088Z",
          "started_at": null,
          "completed_at": null,
          "status": "starting",
          "input": {
            "text": "Alice"
          },
          "output": null,
          "error": null,
          "logs": null,
          "metrics": {}
        }
        """#

        // Source: replicate/replicate-python tests/cassettes/run.yaml (commit 0110c2c5), interaction 0,
        // POST /v1/predictions -> 201, recorded response content. Trailing newline of the recording dropped.
        // HAZARD kept as recorded: the key "model" appears TWICE. No started_at/completed_at/output/metrics keys at all.
        static let startingRecorded = #"""
        {"id":"azaq55dbukgxg6kubr4k6g3pby","model":"stability-ai/sdxl","model":"stability-ai/sdxl","version":"39ed52f2a78e934b3ba6e2a89f5b1c712de7dfea535525255b1aa35c5565e08b","input":{"height":512,"prompt":"a studio photo of a rainbow colored corgi","seed":42069,"width":512},"logs":"","error":null,"status":"starting","created_at":"2023-11-16T11:46:16.064900134Z","urls":{"cancel":"https://api.replicate.com/v1/predictions/azaq55dbukgxg6kubr4k6g3pby/cancel","get":"https://api.replicate.com/v1/predictions/azaq55dbukgxg6kubr4k6g3pby"}}
        """#

        // Source: replicate/replicate-python tests/cassettes/run.yaml, interaction 3, GET /v1/predictions/azaq55dbukgxg6kubr4k6g3pby -> 200.
        // Same duplicate "model" key as recorded. status=processing, started_at set, no output key.
        static let processingRecorded = #"""
        {"id":"azaq55dbukgxg6kubr4k6g3pby","model":"stability-ai/sdxl","model":"stability-ai/sdxl","version":"39ed52f2a78e934b3ba6e2a89f5b1c712de7dfea535525255b1aa35c5565e08b","input":{"height":512,"prompt":"a studio photo of a rainbow colored corgi","seed":42069,"width":512},"logs":"","error":null,"status":"processing","created_at":"2023-11-16T11:46:16.0649Z","started_at":"2023-11-16T11:46:16.539915Z","urls":{"cancel":"https://api.replicate.com/v1/predictions/azaq55dbukgxg6kubr4k6g3pby/cancel","get":"https://api.replicate.com/v1/predictions/azaq55dbukgxg6kubr4k6g3pby"}}
        """#

        // Source: replicate/replicate-python tests/cassettes/test_models_predictions_create_blocking[False-10].yaml, interaction 0,
        // POST /v1/models/meta/meta-llama-3-8b-instruct/predictions (Prefer: wait) -> 201. status=processing but output is already
        // a LIST OF TEXT TOKENS (not URLs); version is a "dp-..." deployment id; urls.stream present; data_removed present.
        static let processingWithPartialTextOutput = #"""
        {"id":"pw050dtb51rj40cjb2vrcw97b8","model":"meta/meta-llama-3-8b-instruct","version":"dp-a557b7387b4940df25b23f779dc534c4","input":{"prompt":"Please write a haiku about llamas"},"logs":"","output":["\n\n","Here is"," a ha","iku about"," llamas",":\n\nF","uzzy,"," gentle eyes","\nSoft","ly munch","ing on"," the"," grass\n","Peaceful",", quiet"," soul",""],"data_removed":false,"error":null,"status":"processing","created_at":"2024-10-04T18:07:40.328Z","urls":{"cancel":"https://api.replicate.com/v1/predictions/pw050dtb51rj40cjb2vrcw97b8/cancel","get":"https://api.replicate.com/v1/predictions/pw050dtb51rj40cjb2vrcw97b8","stream":"https://streaming-api.svc.rno2.c.replicate.net/v1/streams/3qkvm3bnqhaadgonsecw4twhnzlqi5s4sb5tgts72bo6c5wmjppq"}}
        """#

        // Source: replicate/replicate-python tests/cassettes/run.yaml, interaction 12, GET /v1/predictions/azaq55dbukgxg6kubr4k6g3pby -> 200.
        // output = list of one URL; logs contain \u003c escapes and tqdm block characters (kept verbatim, not trimmed).
        static let succeededListOfURLs = #"""
        {"id":"azaq55dbukgxg6kubr4k6g3pby","model":"stability-ai/sdxl","version":"39ed52f2a78e934b3ba6e2a89f5b1c712de7dfea535525255b1aa35c5565e08b","input":{"height":512,"prompt":"a studio photo of a rainbow colored corgi","seed":42069,"width":512},"logs":"Using seed: 42069\nPrompt: a studio photo of a rainbow colored corgi\ntxt2img mode\n  0%|          | 0/50 [00:00\u003c?, ?it/s]\n  2%|▏         | 1/50 [00:00\u003c00:31,  1.57it/s]\n  6%|▌         | 3/50 [00:00\u003c00:09,  4.80it/s]\n 10%|█         | 5/50 [00:00\u003c00:05,  7.60it/s]\n 14%|█▍        | 7/50 [00:00\u003c00:04,  9.92it/s]\n 18%|█▊        | 9/50 [00:01\u003c00:03, 11.76it/s]\n 22%|██▏       | 11/50 [00:01\u003c00:02, 13.16it/s]\n 26%|██▌       | 13/50 [00:01\u003c00:02, 14.22it/s]\n 30%|███       | 15/50 [00:01\u003c00:02, 15.01it/s]\n 34%|███▍      | 17/50 [00:01\u003c00:02, 15.56it/s]\n 38%|███▊      | 19/50 [00:01\u003c00:01, 15.97it/s]\n 42%|████▏     | 21/50 [00:01\u003c00:01, 16.24it/s]\n 46%|████▌     | 23/50 [00:01\u003c00:01, 16.42it/s]\n 50%|█████     | 25/50 [00:02\u003c00:01, 16.56it/s]\n 54%|█████▍    | 27/50 [00:02\u003c00:01, 16.66it/s]\n 58%|█████▊    | 29/50 [00:02\u003c00:01, 16.72it/s]\n 62%|██████▏   | 31/50 [00:02\u003c00:01, 16.75it/s]\n 66%|██████▌   | 33/50 [00:02\u003c00:01, 16.78it/s]\n 70%|███████   | 35/50 [00:02\u003c00:00, 16.78it/s]\n 74%|███████▍  | 37/50 [00:02\u003c00:00, 16.81it/s]\n 78%|███████▊  | 39/50 [00:02\u003c00:00, 16.80it/s]\n 82%|████████▏ | 41/50 [00:03\u003c00:00, 16.84it/s]\n 86%|████████▌ | 43/50 [00:03\u003c00:00, 16.88it/s]\n 90%|█████████ | 45/50 [00:03\u003c00:00, 16.89it/s]\n 94%|█████████▍| 47/50 [00:03\u003c00:00, 16.82it/s]\n 98%|█████████▊| 49/50 [00:03\u003c00:00, 16.83it/s]\n100%|██████████| 50/50 [00:03\u003c00:00, 14.13it/s]\n","output":["https://replicate.delivery/pbxt/gDoc64M9pRaQNdZb0evCRgm57WZJ5BKi0T5kzV6qm2tGmd8IA/out-0.png"],"error":null,"status":"succeeded","created_at":"2023-11-16T11:46:16.0649Z","started_at":"2023-11-16T11:46:16.539915Z","completed_at":"2023-11-16T11:46:22.064427Z","metrics":{"predict_time":5.524512},"urls":{"cancel":"https://api.replicate.com/v1/predictions/azaq55dbukgxg6kubr4k6g3pby/cancel","get":"https://api.replicate.com/v1/predictions/azaq55dbukgxg6kubr4k6g3pby"}}
        """#

        // Source: JessYan0913/turan README.md (commit 16d43b54) "test_webhook_data" — a webhook body a user captured from Replicate.
        // output is a SINGLE STRING URL (official model); version is the literal "hidden"; metrics has extra "image_count";
        // nanosecond-precision timestamps; body echoes "webhook" and "webhook_events_filter".
        static let succeededStringURLWebhook = #"""
        {
          "completed_at": "2025-06-08T12:06:20.383588891Z",
          "created_at": "2025-06-08T12:06:15.127Z",
          "data_removed": false,
          "error": null,
          "id": "vcscvthbaxrm80cq9xqtcbaw4m",
          "input": {
            "input_image": "https://2hav3s1paktcascm.public.blob.vercel-storage.com/1749384367406-test01.png",
            "prompt": "Change hair color to black"
          },
          "logs": "Using seed: 7710683\nGenerating...\nGenerated image in 5.0sec\nDownloading 1289861 bytes\nDownloaded 1.23MB in 0.14sec\n",
          "metrics": {
            "image_count": 1,
            "predict_time": 5.247161016
          },
          "model": "black-forest-labs/flux-kontext-pro",
          "output": "https://replicate.delivery/xezq/Ap5zAUz9EC5wE9kl6vKKCEhKd9B30SdqwWdygMSpu7IvuMNF/tmp5v_v9dtm.png",
          "started_at": "2025-06-08T12:06:15.136427877Z",
          "status": "succeeded",
          "urls": {
            "cancel": "https://api.replicate.com/v1/predictions/vcscvthbaxrm80cq9xqtcbaw4m/cancel",
            "get": "https://api.replicate.com/v1/predictions/vcscvthbaxrm80cq9xqtcbaw4m",
            "stream": "https://stream.replicate.com/v1/files/bcwr-vwjeho54eudljmbnnz5hmuthuv2kpusfbdpkavexami5g5zb23oa",
            "web": "https://replicate.com/p/vcscvthbaxrm80cq9xqtcbaw4m"
          },
          "version": "hidden",
          "webhook": "https://7ef1-1-80-185-85.ngrok-free.app/api/webhooks",
          "webhook_events_filter": ["start", "completed", "logs", "output"]
        }
        """#

        // Source: replicate/replicate-python tests/cassettes/predictions-cancel.yaml, interaction 4,
        // POST /v1/predictions/hdwst0bb05rgp0cf0p29mzk2am/cancel -> 200. Note "webhook_completed": null and metrics.total_time.
        static let canceledRecorded = #"""
        {"completed_at":"2024-04-22T11:15:15.504128Z","created_at":"2024-04-22T11:15:15.329000Z","error":null,"id":"hdwst0bb05rgp0cf0p29mzk2am","input":{"seed":42069,"width":512,"height":512,"prompt":"a studio photo of a rainbow colored corgi"},"logs":null,"metrics":{"predict_time":0.128148,"total_time":0.175128},"output":null,"started_at":"2024-04-22T11:15:15.375980Z","status":"canceled","urls":{"get":"https://api.replicate.com/v1/predictions/hdwst0bb05rgp0cf0p29mzk2am","cancel":"https://api.replicate.com/v1/predictions/hdwst0bb05rgp0cf0p29mzk2am/cancel"},"model":"stability-ai/sdxl","version":"39ed52f2a78e934b3ba6e2a89f5b1c712de7dfea535525255b1aa35c5565e08b","webhook_completed":null}
        """#

        // Source: triggerdotdev/trigger.dev internal-packages/webhook-sources/src/handAuthored/replicate.ts (commit b082e443),
        // sample eventType "failed"; converted from a TS object literal to JSON. CAVEAT: marked provenance "handauthored" there —
        // NOT a capture. No recorded Replicate *failed* body was found in replicate-python/-javascript/-go/-swift fixtures.
        static let failedHandAuthored = #"""
        {
          "id": "f3wgzqmnyt8blkdrpxhcvos19u",
          "model": "black-forest-labs/flux-schnell",
          "version": "a3f1c9d2b7e4809f61a2d5c8e0b3f7a41d6c9b2e5f80a3d17c4b9e2f6a0d3c85",
          "input": {
            "prompt": "an ultra high resolution 8k panorama of a mountain range",
            "num_outputs": 4,
            "aspect_ratio": "21:9",
            "output_format": "webp"
          },
          "logs": "Using seed: 90271\nGenerating image...\n",
          "output": null,
          "error": "CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 39.39 GiB total capacity)",
          "status": "failed",
          "created_at": "2026-07-14T09:16:02.447000Z",
          "source": "api",
          "data_removed": false,
          "started_at": "2026-07-14T09:16:03.018000Z",
          "completed_at": "2026-07-14T09:16:07.335000Z",
          "metrics": {
            "predict_time": 4.317092
          },
          "urls": {
            "web": "https://replicate.com/p/f3wgzqmnyt8blkdrpxhcvos19u",
            "get": "https://api.replicate.com/v1/predictions/f3wgzqmnyt8blkdrpxhcvos19u",
            "cancel": "https://api.replicate.com/v1/predictions/f3wgzqmnyt8blkdrpxhcvos19u/cancel"
          }
        }
        """#

        // Standard Webhooks test vector used by BOTH replicate/replicate-python tests/test_webhooks.py and
        // replicate/replicate-javascript index.test.ts (taken from svix/svix-webhooks javascript/src/webhook.test.ts).
        // Verified locally: base64(HMAC-SHA256(base64decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), "id.ts.body")) == signature below.
        static let signatureVectorBody = #"""
        {"test": 2432232314}
        """#

        // Header webhook-id for the vector above.
        static let signatureVectorWebhookID = #"""
        msg_p5jXN8AQM9LWM0D4loKWxJek
        """#

        // Header webhook-timestamp for the vector above (2021 — fails any freshness tolerance; test with tolerance off).
        static let signatureVectorTimestamp = #"""
        1614265330
        """#

        // Header webhook-signature for the vector above.
        static let signatureVectorSignature = #"""
        v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=
        """#

        // Secret for the vector above ("This is a test secret and should not be used in production").
        static let signatureVectorSecret = #"""
        whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
        """#
    }

    enum WaveSpeed {
        // Source: https://wavespeed.ai/docs/docs-api/verifying_webhook — "Example with real data" payload (exact bytes, one line).
        // Note: webhook body is NOT wrapped in {code,message,data}; "error" is "" (empty string, not null) on success;
        // extra "executionTime" (camelCase) next to "timings"; NO "input" key here although the webhooks page shows one;
        // body id "45b392b22c3b449fa935bd4dc" is a PREFIX of the id inside urls.get ("...4dc2219dfe").
        static let webhookCompletedDocsRealData = #"""
        {"id":"45b392b22c3b449fa935bd4dc","model":"wavespeed-ai/flux-dev","outputs":["https://d2p7pge43lyniu.cloudfront.net/output/18058184-5df8-4d05-9e1b-7ad84c8b963e-u1_9bfd4537-e541-4ad0-a0f6-4812b11a37f1.jpeg"],"urls":{"get":"https://api.wavespeed.ai/api/v3/predictions/45b392b22c3b449fa935bd4dc2219dfe/result"},"has_nsfw_contents":[false],"status":"completed","created_at":"2025-09-25T09:12:48.239112031Z","error":"","executionTime":6710,"timings":{"inference":6710}}
        """#

        // Same page: header webhook-id.
        static let docsWebhookID = #"""
        45b392b22c3b449fa935bd4dc
        """#

        // Same page: header webhook-timestamp (Python/JS examples; the Go example uses 1758802746 with signature v3,cf2866ec...).
        static let docsWebhookTimestamp = #"""
        1758798328
        """#

        // Same page: header webhook-signature. WARNING: verified locally — this does NOT match HMAC-SHA256 of
        // "{id}.{ts}.{body}" under docsWebhookSecret with the prefix stripped (raw), nor with the full secret, nor base64-decoded.
        // The page labels the secret "<your secret>": do not use this triple as a positive test vector.
        static let docsWebhookSignature = #"""
        v3,424a292e812c06273bc4efd6b451010a5f046454ae15e6a7c0834428ca76255d
        """#

        // Same page: example secret (looks base64, but WaveSpeed says: strip "whsec_", do NOT base64-decode).
        static let docsWebhookSecret = #"""
        whsec_e9EE3BdyXSxcB4ZyZUKjQUEoQX4sF9P1+eMpb/KluCM=
        """#

        // Source: https://wavespeed.ai/docs/docs-api/webhooks ("Webhook Response"); placeholders kept as written.
        // Trimmed: the page's // comments ("Only present when status is completed", "or failed", "Contains error details when
        // status is failed") and its trailing comma after "error" were removed so this parses. Status is "completed" or "failed".
        static let webhookDocsTemplate = #"""
        {
            "id": "<task_id>",
            "model": "wavespeed-ai/flux-dev-lora",
            "input": {
                "prompt": "Octopus vs. crab chess game, underwater setting, vibrant colors"
            },
            "outputs": [
                "<output_url>"
            ],
            "urls": {
                "get": "https://api.wavespeed.ai/api/v3/predictions/<task_id>/result"
            },
            "has_nsfw_contents": [
                false
            ],
            "status": "completed",
            "created_at": "<created_at>",
            "error": "<error>"
        }
        """#

        // Source: https://wavespeed.ai/docs/get-result "Response (Processing)" (that page polls GET /api/v3/predictions/{task-id}, without /result).
        static let resultProcessing = #"""
        {
          "code": 200,
          "message": "success",
          "data": {
            "id": "pred_abc123",
            "model": "wavespeed-ai/flux-dev",
            "status": "processing",
            "outputs": [],
            "created_at": "2024-01-01T12:00:00.000Z"
          }
        }
        """#

        // Source: https://wavespeed.ai/docs/get-result "Response (Completed)".
        static let resultCompleted = #"""
        {
          "code": 200,
          "message": "success",
          "data": {
            "id": "pred_abc123",
            "model": "wavespeed-ai/flux-dev",
            "status": "completed",
            "outputs": [
              "https://cdn.wavespeed.ai/generated/image123.png"
            ],
            "timings": {
              "inference": 2500
            },
            "created_at": "2024-01-01T12:00:00.000Z"
          }
        }
        """#

        // Source: https://wavespeed.ai/docs/get-result "Response (Failed)". NOTE: outer code 200 / message "success" even though the task failed;
        // no "model" and no "outputs" key.
        static let resultFailed = #"""
        {
          "code": 200,
          "message": "success",
          "data": {
            "id": "pred_abc123",
            "status": "failed",
            "error": "Error message here",
            "created_at": "2024-01-01T12:00:00.000Z"
          }
        }
        """#

        // Source: WaveSpeedAI/wavespeed-python tests/test_api.py test_run_sync_mode_timeout_raises_without_fallback (SDK mock,
        // Python dict -> JSON; the two adjacent string literals of "error" joined). Shows a non-empty "error" while status is
        // "processing" and a numeric "code" INSIDE data.
        static let syncModeTimeoutMock = #"""
        {
          "data": {
            "id": "req-timeout",
            "status": "processing",
            "code": 5004,
            "error": "Sync mode timed out after 90 seconds. The prediction is still processing asynchronously.",
            "urls": {"get": "https://api.wavespeed.ai/api/v3/predictions/req-timeout/result"}
          }
        }
        """#

        // Source: WaveSpeedAI/wavespeed-python tests/test_api.py test_run_failure (SDK mock, Python dict -> JSON). No id, no code/message.
        static let resultFailedMinimalMock = #"""
        {"data": {"status": "failed", "error": "Model error"}}
        """#

        // Source: WaveSpeedAI/wavespeed-python tests/test_api.py test_run_timeout (SDK mock). "pending" is NOT in the documented
        // status list (created/processing/completed/failed); the SDK simply keeps polling on any non-terminal word.
        static let resultPendingMock = #"""
        {"data": {"status": "pending"}}
        """#
    }

    enum NCA {
        // Source: stephengpope/no-code-architects-toolkit docs/media/media_transcribe.md (commit cadbb22e) "Immediate Response (202 Accepted)".
        // Built by app.py queue_task() lines 306-316. max_queue_length is an int or the string "unlimited".
        // Docs use "build_number": "1.0.0" (string); the code sends BUILD_NUMBER from version.py = 209 (int).
        static let ackQueued202 = #"""
        {
          "code": 202,
          "id": "custom-job-123",
          "job_id": "550e8400-e29b-41d4-a716-446655440000",
          "message": "processing",
          "pid": 12345,
          "queue_id": 67890,
          "max_queue_length": "unlimited",
          "queue_length": 1,
          "build_number": "1.0.0"
        }
        """#

        // Source: no-code-architects-toolkit docs/media/media_transcribe.md "Success Response (via Webhook)", cloud response_type.
        // Shape = response_data in app.py process_queue() lines 61-75. ("direct" variant on that page has `"segments": [...]`,
        // which is not JSON, so it is not copied.)
        static let webhookSuccessCloud = #"""
        {
          "endpoint": "/v1/transcribe/media",
          "code": 200,
          "id": "custom-job-123",
          "job_id": "550e8400-e29b-41d4-a716-446655440000",
          "response": {
            "text": null,
            "srt": null,
            "segments": null,
            "text_url": "https://storage.example.com/text.txt",
            "srt_url": "https://storage.example.com/subtitles.srt",
            "segments_url": "https://storage.example.com/segments.json"
          },
          "message": "success",
          "pid": 12345,
          "queue_id": 67890,
          "run_time": 5.234,
          "queue_time": 0.123,
          "total_time": 5.357,
          "queue_length": 0,
          "build_number": "1.0.0"
        }
        """#

        // Source: no-code-architects-toolkit docs/media/media_transcribe.md "Server Error (500 Internal Server Error)".
        // Per app.py: on non-200, "response" is null and "message" is response[0] — usually str(e), but can be a dict.
        static let webhookError500 = #"""
        {
          "endpoint": "/v1/transcribe/media",
          "code": 500,
          "id": "custom-job-123",
          "job_id": "550e8400-e29b-41d4-a716-446655440000",
          "response": null,
          "message": "Error message details",
          "pid": 12345,
          "queue_id": 67890,
          "run_time": 0.123,
          "queue_time": 0.056,
          "total_time": 0.179,
          "queue_length": 1,
          "build_number": "1.0.0"
        }
        """#

        // Source: no-code-architects-toolkit docs/media/media_transcribe.md "Queue Full (429 Too Many Requests)" (HTTP response, not a webhook).
        static let queueFull429 = #"""
        {
          "code": 429,
          "id": "custom-job-123",
          "job_id": "550e8400-e29b-41d4-a716-446655440000",
          "message": "MAX_QUEUE_LENGTH (100) reached",
          "pid": 12345,
          "queue_id": 67890,
          "queue_length": 100,
          "build_number": "1.0.0"
        }
        """#

        // Source: no-code-architects-toolkit docs/video/caption_video.md "Success Response". "response" is a bare STRING URL here;
        // job_id in the docs is not a valid UUID (contains g..p).
        static let captionSuccessResponse = #"""
        {
            "response": "https://cloud.example.com/captioned-video.mp4",
            "endpoint": "/v1/video/caption",
            "code": 200,
            "id": "unique-request-id",
            "job_id": "a1b2c3d4-e5f6-g7h8-i9j0-k1l2m3n4o5p6",
            "message": "success",
            "pid": 12345,
            "queue_id": 6789,
            "run_time": 5.234,
            "queue_time": 0.123,
            "total_time": 5.357,
            "queue_length": 0,
            "build_number": "1.0.0"
        }
        """#

        // Source: no-code-architects-toolkit docs/toolkit/job_status.md "Success Response" (POST /v1/toolkit/job/status).
        // THREE levels: outer envelope (the status call itself) -> response = job file {job_status, job_id, queue_id, process_id,
        // response} -> response = the original job result. CAVEAT: in code the OUTER job_id is a fresh uuid of the status call,
        // not the queried id as the doc shows.
        static let jobStatusDone = #"""
        {
            "endpoint": "/v1/toolkit/job/status",
            "code": 200,
            "id": null,
            "job_id": "e6d7f3c0-9c9f-4b8a-b7c3-f0e3c9f6b9d7",
            "response": {
                "job_status": "done",
                "job_id": "e6d7f3c0-9c9f-4b8a-b7c3-f0e3c9f6b9d7",
                "queue_id": 140368864456064,
                "process_id": 123456,
                "response": {
                    "endpoint": "/v1/media/transcribe",
                    "code": 200,
                    "id": "transcribe_job_123",
                    "job_id": "e6d7f3c0-9c9f-4b8a-b7c3-f0e3c9f6b9d7",
                    "response": "Transcription completed successfully.",
                    "message": "success",
                    "pid": 123456,
                    "queue_id": 140368864456064,
                    "run_time": 5.234,
                    "queue_time": 1.123,
                    "total_time": 6.357,
                    "queue_length": 0,
                    "build_number": "1.0.0"
                }
            },
            "message": "success",
            "pid": 123456,
            "queue_id": 140368864456064,
            "run_time": 0.001,
            "queue_time": 0.0,
            "total_time": 0.001,
            "queue_length": 0,
            "build_number": "1.0.0"
        }
        """#

        // Source: no-code-architects-toolkit docs/toolkit/job_status.md 404. CAVEAT: routes/v1/toolkit/job_status.py returns this as
        // response[0] with code 404, and queue_task_wrapper(bypass_queue=True) wraps it, so on the wire it is
        // {"endpoint":..., "code":404, ..., "response":null, "message":{"error":"Job not found","job_id":...}, ...} — message is an OBJECT.
        static let jobStatusNotFound = #"""
        {
            "error": "Job not found",
            "job_id": "e6d7f3c0-9c9f-4b8a-b7c3-f0e3c9f6b9d7"
        }
        """#
    }

    enum Fal {
        // Source: https://docs.fal.ai/model-endpoints/webhooks — queue submit response when fal_webhook is given.
        static let submitResponse = #"""
        {
        "request_id": "024ca5b1-45d3-4afd-883e-ad3abe2a1c4d",
        "gateway_request_id": "024ca5b1-45d3-4afd-883e-ad3abe2a1c4d"
        }
        """#

        // Source: https://docs.fal.ai/model-endpoints/webhooks "Successful result" (re-indented).
        // NOTE: seed 196619188014358660 > 2^53 — a Double-based JSON decoder loses precision; Int64 holds it.
        static let webhookOK = #"""
        {
          "request_id": "123e4567-e89b-12d3-a456-426614174000",
          "gateway_request_id": "123e4567-e89b-12d3-a456-426614174000",
          "status": "OK",
          "payload": {
            "images": [
              {
                "url": "https://url.to/image.png",
                "content_type": "image/png",
                "file_name": "image.png",
                "file_size": 1824075,
                "width": 1024,
                "height": 1024
              }
            ],
            "seed": 196619188014358660
          }
        }
        """#

        // Source: https://docs.fal.ai/model-endpoints/webhooks "Response errors" (re-indented). payload carries the error detail.
        static let webhookError = #"""
        {
          "request_id": "123e4567-e89b-12d3-a456-426614174000",
          "gateway_request_id": "123e4567-e89b-12d3-a456-426614174000",
          "status": "ERROR",
          "error": "Invalid status code: 422",
          "payload": {
            "detail": [
              {
                "loc": ["body", "prompt"],
                "msg": "field required",
                "type": "value_error.missing"
              }
            ]
          }
        }
        """#

        // Source: https://docs.fal.ai/model-endpoints/webhooks "Payload errors". status is "OK" but payload is null:
        // the job succeeded, the result must be fetched from the queue response_url.
        static let webhookPayloadError = #"""
        {
          "request_id": "123e4567-e89b-12d3-a456-426614174000",
          "gateway_request_id": "123e4567-e89b-12d3-a456-426614174000",
          "status": "OK",
          "payload": null,
          "payload_error": "Response payload is not JSON serializable. Either return a JSON serializable object or use the queue endpoint to retrieve the response."
        }
        """#

        // Source: older revision of https://fal.ai/docs/model-endpoints/webhooks "Successful result": no gateway_request_id,
        // explicit "error": null.
        static let webhookOKLegacy = #"""
        {
          "request_id": "024ca5b1-45d3-4afd-883e-ad3abe2a1c4d",
          "status": "OK",
          "payload": {
            "images": [
              {
                "url": "https://url.to/image.png",
                "content_type": "image/png",
                "file_name": "image.png",
                "file_size": 1824075,
                "width": 1024,
                "height": 1024
              }
            ],
            "seed": 196619188014358660
          },
          "error": null
        }
        """#

        // Source: lzell/AIProxySwift Tests/AIProxyTests/FalQueueResponseTests.swift testResponseBodyIsDecodable
        // (GET https://queue.fal.run/{app}/requests/{id}/status).
        static let queueStatusInQueue = #"""
        {
          "status": "IN_QUEUE",
          "request_id": "df301040-a3a3-4b14-936f-6ea1d9e4fa94",
          "response_url": "https://queue.fal.run/fal-ai/fast-sdxl/requests/df301040-a3a3-4b14-936f-6ea1d9e4fa94",
          "status_url": "https://queue.fal.run/fal-ai/fast-sdxl/requests/df301040-a3a3-4b14-936f-6ea1d9e4fa94/status",
          "cancel_url": "https://queue.fal.run/fal-ai/fast-sdxl/requests/df301040-a3a3-4b14-936f-6ea1d9e4fa94/cancel",
          "logs": null,
          "metrics": {},
          "queue_position": 0
        }
        """#

        // Source: lzell/AIProxySwift Tests/AIProxyTests/FalQueueResponseTests.swift (commit e6fc5b0e), a captured response pasted as a
        // comment in testThis(). COMPLETED status carries no result and no error — fetch response_url.
        static let queueStatusCompletedRecorded = #"""
        {"status": "COMPLETED", "request_id": "365f4013-3e2c-46cf-9351-083406730e77", "response_url": "https://queue.fal.run/fal-ai/flux-lora-fast-training/requests/365f4013-3e2c-46cf-9351-083406730e77", "status_url": "https://queue.fal.run/fal-ai/flux-lora-fast-training/requests/365f4013-3e2c-46cf-9351-083406730e77/status", "cancel_url": "https://queue.fal.run/fal-ai/flux-lora-fast-training/requests/365f4013-3e2c-46cf-9351-083406730e77/cancel", "logs": null, "metrics": {"inference_time": 132.09963178634644}}
        """#
    }
}
