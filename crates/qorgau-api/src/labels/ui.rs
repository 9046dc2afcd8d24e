//! The console's own texts: one value per text, its key (as `GET /api/v1/labels` sends it) and
//! its three languages [kk, ru, en] side by side, so that none can be added without all three.

macro_rules! ui_texts {
    ($($variant:ident = $key:literal => [$kk:literal, $ru:literal, $en:literal],)+) => {
        /// A text of the console.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Ui {
            $($variant,)+
        }

        impl Ui {
            pub const ALL: &'static [Ui] = &[$(Ui::$variant,)+];

            pub fn key(self) -> &'static str {
                match self {
                    $(Ui::$variant => $key,)+
                }
            }

            /// [kk, ru, en].
            pub fn texts(self) -> [&'static str; 3] {
                match self {
                    $(Ui::$variant => [$kk, $ru, $en],)+
                }
            }
        }
    };
}

ui_texts! {
    Tagline = "tagline" => ["Балаларды қорғау кейстерін жүргізу", "Ведение кейсов защиты детей", "Child-protection case management"],
    SkipToContent = "skip_to_content" => ["Негізгі мазмұнға өту", "Перейти к содержанию", "Skip to content"],
    MainNavigation = "main_navigation" => ["Негізгі мәзір", "Главное меню", "Main navigation"],
    NavTasks = "nav_tasks" => ["Менің тапсырмаларым", "Мои задачи", "My tasks"],
    NavNotifications = "nav_notifications" => ["Хабарламалар", "Уведомления", "Notifications"],
    NavCases = "nav_cases" => ["Менің кейстерім", "Мои кейсы", "My cases"],
    SignIn = "sign_in" => ["Кіру", "Войти", "Sign in"],
    SignOut = "sign_out" => ["Шығу", "Выйти", "Sign out"],
    SignedInAs = "signed_in_as" => ["Жүйеде:", "Вы вошли как", "Signed in as"],
    Username = "username" => ["Пайдаланушы аты", "Имя пользователя", "Username"],
    Password = "password" => ["Құпиясөз", "Пароль", "Password"],
    BadCredentials = "bad_credentials" => ["Пайдаланушы аты немесе құпиясөз қате.", "Неверное имя пользователя или пароль.", "Wrong username or password."],
    TooManyAttempts = "too_many_attempts" => ["Сәтсіз әрекеттер тым көп. Кейінірек қайталап көріңіз.", "Слишком много неудачных попыток. Повторите позже.", "Too many failed attempts. Try again later."],
    PasswordChangeRequired = "password_change_required" => ["Әкімші құпиясөзіңізді қалпына келтірді: алдымен жаңасын таңдаңыз (POST /api/v1/me/password).", "Администратор сбросил ваш пароль: сначала задайте новый (POST /api/v1/me/password).", "An administrator reset your password: choose a new one first (POST /api/v1/me/password)."],
    SignedOut = "signed_out" => ["Сіз жүйеден шықтыңыз.", "Вы вышли из системы.", "You are signed out."],
    Language = "language" => ["Тіл", "Язык", "Language"],
    ChangeLanguage = "change_language" => ["Тілді ауыстыру", "Сменить язык", "Change language"],
    TasksEmpty = "tasks_empty" => ["Қазір сізді күтіп тұрған тапсырма жоқ.", "Сейчас задач нет.", "Nothing waits for you now."],
    TasksTotal = "tasks_total" => ["Барлық тапсырма", "Всего задач", "Tasks in all"],
    Task = "task" => ["Тапсырма", "Задача", "Task"],
    Subject = "subject" => ["Кейс немесе сигнал", "Кейс или сигнал", "Case or signal"],
    Due = "due" => ["Мерзімі", "Срок", "Due"],
    NoDue = "no_due" => ["Мерзімсіз", "Без срока", "No deadline"],
    Overdue = "overdue" => ["Мерзімі өтті", "Просрочено", "Overdue"],
    Open = "open" => ["Ашу", "Открыть", "Open"],
    NotificationsEmpty = "notifications_empty" => ["Хабарлама жоқ.", "Уведомлений нет.", "No notifications."],
    Unread = "unread" => ["Оқылмаған", "Не прочитано", "Unread"],
    Read = "read" => ["Оқылды", "Прочитано", "Read"],
    MarkRead = "mark_read" => ["Оқылды деп белгілеу", "Отметить прочитанным", "Mark as read"],
    MarkAllRead = "mark_all_read" => ["Барлығын оқылды деп белгілеу", "Отметить все прочитанными", "Mark all as read"],
    When = "when" => ["Уақыты", "Время", "When"],
    Message = "message" => ["Хабар", "Сообщение", "Message"],
    CasesEmpty = "cases_empty" => ["Сүзгіге сәйкес кейс жоқ.", "Нет кейсов, подходящих под фильтр.", "No case matches."],
    Filter = "filter" => ["Сүзгі", "Фильтр", "Filter"],
    Status = "status" => ["Мәртебесі", "Статус", "Status"],
    RiskLevel = "risk_level" => ["Қауіп деңгейі", "Уровень риска", "Risk level"],
    Any = "any" => ["Кез келген", "Любой", "Any"],
    OverdueOnly = "overdue_only" => ["Тек мерзімі өткен жұмысы барлар", "Только с просроченными сроками", "Only with overdue work"],
    Apply = "apply" => ["Қолдану", "Применить", "Apply"],
    CaseNumber = "case_number" => ["Кейс нөмірі", "Номер кейса", "Case number"],
    Opened = "opened" => ["Ашылған күні", "Дата открытия", "Opened"],
    Concerns = "concerns" => ["Алаңдаушылықтар", "Проблемы", "Concerns"],
    NextPage = "next_page" => ["Келесі бет", "Следующая страница", "Next page"],
    FirstPage = "first_page" => ["Бірінші бет", "Первая страница", "First page"],
    Pages = "pages" => ["Беттер", "Страницы", "Pages"],
    Case = "case" => ["Кейс", "Кейс", "Case"],
    Child = "child" => ["Бала", "Ребёнок", "Child"],
    FullName = "full_name" => ["Аты-жөні", "ФИО", "Name"],
    BirthDate = "birth_date" => ["Туған күні", "Дата рождения", "Birth date"],
    Sex = "sex" => ["Жынысы", "Пол", "Sex"],
    Iin = "iin" => ["ЖСН", "ИИН", "IIN"],
    Address = "address" => ["Мекенжайы", "Адрес", "Address"],
    District = "district" => ["Аудан", "Район", "District"],
    NotRecorded = "not_recorded" => ["Көрсетілмеген", "Не указано", "Not recorded"],
    Deadlines = "deadlines" => ["Мерзімдер", "Сроки", "Deadlines"],
    Timeline = "timeline" => ["Хронология", "Хронология", "Timeline"],
    Assessments = "assessments" => ["Бағалаулар", "Оценки", "Assessments"],
    Plan = "plan" => ["Жеке жоспар", "Индивидуальный план", "Individual plan"],
    Interventions = "interventions" => ["Көрсетілген көмек", "Оказанная помощь", "Interventions"],
    Referrals = "referrals" => ["Жолдамалар", "Направления", "Referrals"],
    NoneYet = "none_yet" => ["Әзірге жоқ.", "Пока нет.", "None yet."],
    NoPlan = "no_plan" => ["Жоспар әлі жасалмаған.", "План ещё не составлен.", "No plan yet."],
    Kind = "kind" => ["Түрі", "Вид", "Kind"],
    Date = "date" => ["Күні", "Дата", "Date"],
    Summary = "summary" => ["Сипаттамасы", "Описание", "Summary"],
    AssistanceType = "assistance_type" => ["Көмек түрі", "Вид помощи", "Kind of help"],
    ChildSeen = "child_seen" => ["Бала өзі көрілді", "Ребёнок осмотрен лично", "Child seen in person"],
    DurationMinutes = "duration_minutes" => ["Ұзақтығы, минут", "Продолжительность, минут", "Duration, minutes"],
    OccurredAt = "occurred_at" => ["Қашан болды", "Когда", "When it happened"],
    Yes = "yes" => ["Иә", "Да", "Yes"],
    No = "no" => ["Жоқ", "Нет", "No"],
    Choose = "choose" => ["Таңдаңыз", "Выберите", "Choose"],
    LogIntervention = "log_intervention" => ["Көрсетілген көмекті тіркеу", "Записать оказанную помощь", "Log an intervention"],
    Save = "save" => ["Сақтау", "Сохранить", "Save"],
    InterventionSaved = "intervention_saved" => ["Көмек тіркелді.", "Помощь записана.", "Intervention logged."],
    StaleForm = "stale_form" => ["Бұл бетті ашқаннан бері кейс өзгерді, ештеңе сақталмады. Кейстің қазіргі күйін қарап, форманы қайта жіберіңіз.", "Пока страница была открыта, кейс изменился — ничего не сохранено. Проверьте текущее состояние кейса и отправьте форму снова.", "The case changed since you opened this page, so nothing was saved. Check the case as it is now and submit the form again."],
    FormErrors = "form_errors" => ["Белгіленген өрістерді түзетіңіз.", "Исправьте отмеченные поля.", "Please correct the marked fields."],
    InvalidKind = "invalid_kind" => ["Көмек түрін таңдаңыз.", "Выберите вид помощи.", "Choose what was done."],
    InvalidAssistanceType = "invalid_assistance_type" => ["Көмек бағытын таңдаңыз.", "Выберите направление помощи.", "Choose the kind of help."],
    InvalidOccurredAt = "invalid_occurred_at" => ["Күн мен уақытты көрсетіңіз (болашақ емес).", "Укажите дату и время (не в будущем).", "Give the date and time (not in the future)."],
    InvalidSummary = "invalid_summary" => ["Не істелгенін қысқаша жазыңыз (2000 таңбаға дейін).", "Кратко опишите, что сделано (до 2000 знаков).", "Say briefly what was done (up to 2,000 characters)."],
    InvalidDuration = "invalid_duration" => ["1-ден 1440 минутқа дейінгі сан.", "Число от 1 до 1440 минут.", "A number from 1 to 1,440 minutes."],
    InvalidValue = "invalid_value" => ["Бұл мән қабылданбады.", "Это значение не принято.", "This value is not accepted."],
    NotAllowedNow = "not_allowed_now" => ["Бұл әрекетке кейстің қазіргі мәртебесінде рұқсат жоқ.", "В текущем статусе кейса это действие недоступно.", "The case's status does not allow this now."],
    NotFoundTitle = "not_found_title" => ["Табылмады", "Не найдено", "Not found"],
    NotFoundText = "not_found_text" => ["Мұндай бет жоқ немесе оны көруге рұқсатыңыз жоқ.", "Такой страницы нет, или у вас нет к ней доступа.", "There is no such page, or you may not see it."],
    ForbiddenTitle = "forbidden_title" => ["Рұқсат жоқ", "Нет доступа", "Not allowed"],
    ForbiddenText = "forbidden_text" => ["Сіздің рөліңізге бұл әрекетке рұқсат жоқ.", "Вашей роли это действие недоступно.", "Your role may not do this."],
    CsrfText = "csrf_text" => ["Форманың мерзімі өтті немесе ол осы консольден жіберілмеді. Бетті жаңартып, қайталаңыз.", "Форма устарела или отправлена не из этой консоли. Обновите страницу и повторите.", "The form has expired or was not sent from this console. Reload the page and try again."],
    ErrorTitle = "error_title" => ["Қате", "Ошибка", "Error"],
    ErrorText = "error_text" => ["Сұранысты қазір орындау мүмкін болмады. Кейінірек қайталаңыз.", "Сейчас запрос выполнить не удалось. Повторите позже.", "The request could not be completed now. Try again later."],
    BackToTasks = "back_to_tasks" => ["Тапсырмаларға оралу", "Вернуться к задачам", "Back to my tasks"],
    Goal = "goal" => ["Мақсат", "Цель", "Goal"],
    Measure = "measure" => ["Шара", "Мера", "Measure"],
    Organisation = "organisation" => ["Ұйым", "Организация", "Organisation"],
    Service = "service" => ["Қызмет", "Услуга", "Service"],
    Sent = "sent" => ["Жіберілген күні", "Дата отправки", "Sent"],
    Mandatory = "mandatory" => ["Міндетті", "Обязательное", "Mandatory"],
    Version = "version" => ["Нұсқа", "Версия", "Version"],
    Recorded = "recorded" => ["Тіркелген күні", "Дата записи", "Recorded"],
    Findings = "findings" => ["Қорытындылар", "Выводы", "Findings"],
    NavSignals = "nav_signals" => ["Сигналдар кезегі", "Очередь сигналов", "Triage queue"],
    QueueEmpty = "queue_empty" => ["Сұрыптауды күтіп тұрған сигнал жоқ.", "Сигналов, ожидающих сортировки, нет.", "No signal awaits triage."],
    QueueTotal = "queue_total" => ["Сұрыптауды күтетін сигналдар", "Сигналов ожидает сортировки", "Signals awaiting triage"],
    Signal = "signal" => ["Сигнал", "Сигнал", "Signal"],
    TriageDue = "triage_due" => ["Сұрыптау мерзімі", "Срок сортировки", "Triage due"],
    SignalTriaged = "signal_triaged" => ["Сигнал сұрыпталды.", "Сигнал отсортирован.", "The signal is triaged."],
    Received = "received" => ["Қабылданған уақыты", "Получен", "Received"],
    Source = "source" => ["Көзі", "Источник", "Source"],
    Urgency = "urgency" => ["Шұғылдығы", "Срочность", "Urgency"],
    ObservedAt = "observed_at" => ["Байқалған уақыты", "Когда замечено", "Observed"],
    WhatWasReported = "what_was_reported" => ["Не хабарланды", "Что сообщили", "What was reported"],
    Withheld = "withheld" => ["Сезімтал мәлімет: сізге көрсетілмейді.", "Чувствительные сведения: вам не показываются.", "Sensitive: withheld from you."],
    Reason = "reason" => ["Себебі", "Причина", "Reason"],
    PossibleDuplicates = "possible_duplicates" => ["Сол бала болуы мүмкін жазбалар", "Возможные дубли ребёнка", "Possibly the same child"],
    AsReported = "as_reported" => ["Хабарламадағыдай", "Как в сигнале", "As reported"],
    RegisteredChild = "registered_child" => ["Тіркелген бала", "Зарегистрированный ребёнок", "Registered child"],
    PossibleDuplicate = "possible_duplicate" => ["Мүмкін телнұсқа", "Возможный дубль", "Possible duplicate"],
    OpenCase = "open_case" => ["ашық кейс", "открытый кейс", "open case"],
    LastName = "last_name" => ["Тегі", "Фамилия", "Last name"],
    FirstName = "first_name" => ["Аты", "Имя", "First name"],
    Unchanged = "unchanged" => ["Өзгеріссіз", "Без изменений", "Unchanged"],
    Triage = "triage" => ["Сұрыптау", "Сортировка", "Triage"],
    CaseId = "case_id" => ["Ашық кейстің идентификаторы", "Идентификатор открытого кейса", "Id of the open case"],
    TriageConflict = "triage_conflict" => ["Бұл шешім қазір мүмкін емес: сигнал сұрыпталып қойған немесе баланың ашық кейсі бар.", "Это решение сейчас невозможно: сигнал уже отсортирован или у ребёнка есть открытый кейс.", "This decision is not possible now: the signal is already triaged, or the child has an open case."],
    InvalidRiskLevel = "invalid_risk_level" => ["Қауіп деңгейін таңдаңыз.", "Выберите уровень риска.", "Choose the risk level."],
    InvalidCaseId = "invalid_case_id" => ["Баланың ашық кейсінің идентификаторын көрсетіңіз.", "Укажите идентификатор открытого кейса ребёнка.", "Give the id of the child's open case."],
    InvalidReason = "invalid_reason" => ["Себебін жазыңыз (2000 таңбаға дейін).", "Укажите причину (до 2000 знаков).", "Give the reason (up to 2,000 characters)."],
}
