def test_health_check_reports_the_database(client, db):
    """The health check answers 200 with the database reachable."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_unknown_api_path_is_a_json_404(client, db):
    """An unknown path under /api/ answers in the API's error shape, not an HTML page."""
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"
